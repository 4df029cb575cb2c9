//===- CPU/Stats.h - what each layer of a model costs (mlpc --stats) -*- C++
//-*-===//
//
// Per op after fusion: shapes, parameters, weight bytes as the CPU kernel
// packs them, FLOPs per batch row counted as the seed texts count them
// (2·K·N per dense layer; bias, activation and softmax work beside it),
// activation bytes per row and what was fused into it; per entry, the
// totals and the scratch a call takes at a given batch.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_CPU_STATS_H
#define MLPC_CPU_STATS_H

#include "mlpc/CPU/TargetTuning.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::mlpc {

struct LayerStats {
  std::string op;         ///< "dense", "softmax", ...
  std::string activation; ///< a dense layer's, else ""
  std::string name;       ///< the source's name for it (ONNX node), or ""
  std::string fused;      ///< what it was formed from or takes in
  std::vector<SmallVector<int64_t>> inputs; ///< tensor operands' shapes
  SmallVector<int64_t> output;
  int64_t params = 0;      ///< weight, bias and norm elements
  int64_t weightBytes = 0; ///< its constants' bytes, weights as packed
  // FLOPs per batch row.
  int64_t matmulFlops = 0, biasFlops = 0, activationFlops = 0, softmaxFlops = 0,
          otherFlops = 0;
  int64_t activationBytes = 0; ///< bytes of its output per batch row

  int64_t flops() const {
    return matmulFlops + biasFlops + activationFlops + softmaxFlops +
           otherFlops;
  }
};

struct EntryStats {
  std::string name;
  std::vector<LayerStats> layers;
  int64_t batch = 1;
  /// Bytes of scratch a call at `batch` rows allocates (one thread's
  /// share when the entry splits rows over threads), or -1 if unknown.
  int64_t scratchBytes = -1;
  LayerStats totals() const;
};

/// The stats of each public entry point of `module`, which has been fused
/// (and narrowed) but not lowered: what the CPU pipeline's dense kernel
/// will be given. Traced entries (mlp-trace-entries) are left out.
std::vector<EntryStats> collectStats(ModuleOp module,
                                     const TargetTuning &tuning);

/// Fills in each entry's scratch at `batch` rows from `lowered`, the same
/// module after the CPU pipeline (mlp-plan-scratch's plans on its
/// kernels).
void addScratch(std::vector<EntryStats> &stats, ModuleOp lowered,
                int64_t batch);

/// A table per entry.
void printStats(llvm::raw_ostream &os, ArrayRef<EntryStats> stats);
/// The same as JSON: {"entries": [{"name", "batch", "scratch_bytes",
/// "layers": [...], "totals": {...}}]}.
void printStatsJson(llvm::raw_ostream &os, ArrayRef<EntryStats> stats);

} // namespace mlir::mlpc

#endif // MLPC_CPU_STATS_H
