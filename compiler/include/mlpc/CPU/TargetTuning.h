//===- CPU/TargetTuning.h - what the CPU backend chooses by -----*- C++ -*-===//
//
// One struct holds every number that a CPU backend choice reads: the
// register tile that fits the target's vector registers, and the cache
// sizes and thresholds that pick a dense layer's loop order, its split over
// threads and the row chunks of a row-parallel entry. The choosers
// (chooseDenseSchedule, the C ABI's row chunks) are pure functions of it
// and of the shapes; docs/Design.md gives each threshold's reason.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_CPU_TARGETTUNING_H
#define MLPC_CPU_TARGETTUNING_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace mlir::mlpc {

enum class Int8Product { Generic, Maddwd, Vnni };
enum class BF16Product { Widen, Dot };

/// The names of the products in the CPU pipeline's options.
llvm::StringRef int8ProductName(Int8Product p);
llvm::StringRef bf16ProductName(BF16Product p);
std::optional<Int8Product> parseInt8Product(llvm::StringRef name);
std::optional<BF16Product> parseBF16Product(llvm::StringRef name);

struct TargetTuning {
  /// Register tile of the dense kernel: rows x f32 columns, built of
  /// vectors of `vectorWidth` lanes.
  int64_t tileRows = 6;
  int64_t tileCols = 32;
  int64_t vectorWidth = 16;
  /// Whether the target has an FMA instruction; without one, math.fma is
  /// expanded to mulf + addf instead of becoming libm calls.
  bool hasFma = true;

  /// How a tile multiplies i8 weights: vpdpbusd (AVX512-VNNI with the
  /// AVX-512 tile; AVX-VNNI, or AVX512-VNNI with VL, with the AVX2 tile),
  /// vpmaddwd on bytes widened to i16 (AVX2, AVX512-BW), or plain vector
  /// multiplies in i32 (any target).
  Int8Product int8 = Int8Product::Generic;
  /// How a tile multiplies bf16 weights: vdpbf16ps on activations rounded
  /// to bf16 (twice the FMA rate; AVX512-BF16 with the AVX-512 tile), or
  /// widened to f32 for an FMA with the f32 activations (exact products;
  /// every other target).
  BF16Product bf16 = BF16Product::Widen;
  bool hasBf16Dot = false;

  /// Weight matrices up to this many bytes stay in L2 across a call (half
  /// of a 512 KiB-1 MiB L2, leaving room for activations): such layers run
  /// rows outer.
  int64_t l2WeightBytes = 512 * 1024;
  /// From this many bytes of weights a layer splits its columns over the
  /// runtime's threads at any batch: streaming them from memory takes
  /// longer than waking a thread. Entries with such a layer are not split
  /// by rows, which would make every thread read all weights.
  int64_t columnSplitWeightBytes = 2 * 1024 * 1024;
  /// Below that, from this many bytes a layer splits its columns only for a
  /// batch smaller than a row tile, which leaves nothing to split by rows.
  int64_t smallBatchSplitWeightBytes = 256 * 1024;
  /// A row-parallel entry whose layers all read their weights from L2 runs
  /// each row range in chunks of rows whose intermediates take about this
  /// many bytes, so that one layer's output is still in L2 for the next.
  int64_t rowChunkScratchBytes = 128 * 1024;
};

/// The tuning for a CPU with this LLVM feature string ("+avx512f,+fma,
/// -avx512f,...", a later entry overriding an earlier one for the same
/// name): the register tile its vector registers hold, and whether it has
/// FMA. resolveCpu's string spells out implied features.
TargetTuning tuningForFeatures(llvm::StringRef features);

/// The rows of one chunk when a row-parallel entry runs a range of rows in
/// chunks (a multiple of `rowBlock`, the register tile's rows, so that only
/// the last chunk has leftover rows), or 0 to run the range whole: chunks
/// pay only when the entry's largest weight matrix (`weightBytes`, < 0 when
/// unknown) is read from L2 once per row tile anyway, and there is scratch
/// (`scratchRowBytes` per row) to keep in L2.
int64_t chooseRowChunk(const TargetTuning &tuning, int64_t scratchRowBytes,
                       int64_t weightBytes, int64_t rowBlock);

} // namespace mlir::mlpc

#endif // MLPC_CPU_TARGETTUNING_H
