//===- TargetTuning.cpp - the register tile for a CPU's features ----------===//
#include "mlpc/CPU/TargetTuning.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>

using namespace mlir;

mlpc::TargetTuning mlpc::tuningForFeatures(llvm::StringRef features) {
  TargetTuning tuning;
  // As LLVM reads the string: "+name" or "-name" entries, a later one
  // overriding an earlier one for the same name ("+avx512f,-avx512f" has
  // no AVX-512), whole names only ("+fma4", AMD's four-operand FMA, is not
  // FMA3).
  llvm::StringMap<bool> enabled;
  llvm::SmallVector<llvm::StringRef> entries;
  features.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef e : entries)
    if (e.size() > 1 && (e[0] == '+' || e[0] == '-'))
      enabled[e.drop_front()] = e[0] == '+';
  auto has = [&](llvm::StringRef f) { return enabled.lookup(f); };
  tuning.hasFma = has("fma");
  if (has("avx512f")) {
    // 32 zmm registers: 6 x 2 accumulators, 2 weight vectors, 1 broadcast.
    tuning.tileRows = 6;
    tuning.tileCols = 32;
    tuning.vectorWidth = 16;
    if (has("avx512vnni"))
      tuning.int8 = Int8Product::Vnni;
    else if (has("avx512bw"))
      tuning.int8 = Int8Product::Maddwd;
    tuning.hasBf16Dot = has("avx512bf16");
    if (tuning.hasBf16Dot)
      tuning.bf16 = BF16Product::Dot;
  } else if (has("avx")) {
    // 16 ymm registers: 6 x 2 accumulators, 2 weight vectors, 1 broadcast.
    tuning.tileRows = 6;
    tuning.tileCols = 16;
    tuning.vectorWidth = 8;
    if (has("avxvnni") || (has("avx512vnni") && has("avx512vl")))
      tuning.int8 = Int8Product::Vnni;
    else if (has("avx2"))
      tuning.int8 = Int8Product::Maddwd;
  } else {
    // 16 xmm registers (SSE2 or other targets).
    tuning.tileRows = 4;
    tuning.tileCols = 8;
    tuning.vectorWidth = 4;
  }
  return tuning;
}

int64_t mlpc::chooseRowChunk(const TargetTuning &tuning,
                             int64_t scratchRowBytes, int64_t weightBytes,
                             int64_t rowBlock) {
  if (scratchRowBytes <= 0 || weightBytes < 0 ||
      weightBytes > tuning.l2WeightBytes)
    return 0;
  return std::max<int64_t>(1, tuning.rowChunkScratchBytes / scratchRowBytes /
                                  rowBlock) *
         rowBlock;
}

llvm::StringRef mlpc::int8ProductName(Int8Product p) {
  switch (p) {
  case Int8Product::Generic:
    return "generic";
  case Int8Product::Maddwd:
    return "maddwd";
  case Int8Product::Vnni:
    return "vnni";
  }
  return "";
}

llvm::StringRef mlpc::bf16ProductName(BF16Product p) {
  return p == BF16Product::Dot ? "dot" : "widen";
}

std::optional<mlpc::Int8Product> mlpc::parseInt8Product(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Int8Product>>(name)
      .Case("generic", Int8Product::Generic)
      .Case("maddwd", Int8Product::Maddwd)
      .Case("vnni", Int8Product::Vnni)
      .Default(std::nullopt);
}

std::optional<mlpc::BF16Product> mlpc::parseBF16Product(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<BF16Product>>(name)
      .Case("widen", BF16Product::Widen)
      .Case("dot", BF16Product::Dot)
      .Default(std::nullopt);
}
