//===- EntryChecks.h - argument checks of generated entry points -*- C++
//-*-===//
//
// The checks every public entry point makes before touching a buffer, shared
// by the CPU (mlp-emit-c-abi) and GPU (mlp-emit-gpu-host) wrappers so that
// both targets reject exactly the same calls with the same status.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_ENTRYCHECKS_H
#define MLPC_ENTRYCHECKS_H

#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

/// Bytes of one batch row of a buffer of f32 `shape` (dimensions after the
/// leading one).
int64_t rowBytes(ArrayRef<int64_t> shape);

/// An i1 that is true when any of `ptrs` (LLVM pointers) is null.
Value buildAnyNull(OpBuilder &b, Location loc, ValueRange ptrs);

/// An i1 that is true when `batch` (i64) is not a valid batch for buffers of
/// `shapes`: below 1; different from the static leading size when no shape
/// has a dynamic one; or so large that a buffer's byte size (or
/// `extraRowBytes` per row, when nonzero) overflows int64_t.
Value buildBadBatch(OpBuilder &b, Location loc, Value batch,
                    ArrayRef<ArrayRef<int64_t>> shapes,
                    int64_t extraRowBytes = 0);

/// Both checks at b's insertion point, in `region` of an entry point
/// returning i32: new blocks return MLPC_ERR_NULL_POINTER or
/// MLPC_ERR_BAD_BATCH, and b is left at the start of the block where a
/// valid call goes on, which is returned.
Block *buildEntryChecks(OpBuilder &b, Location loc, Region &region,
                        ValueRange ptrs, Value batch,
                        ArrayRef<ArrayRef<int64_t>> shapes,
                        int64_t extraRowBytes = 0);

} // namespace mlir::mlpc

#endif // MLPC_ENTRYCHECKS_H
