//===- MlpDialect.cpp - the mlp dialect -----------------------------------===//
#include "mlp/MlpDialect.h"
#include "mlp/MlpOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::mlp;

#include "mlp/MlpOpsDialect.cpp.inc"

namespace {
/// mlp ops are pure functions of their operands, with no regions: a call
/// to a function of them (a model's repeated block, say) can always be
/// replaced by its body, which is how mlpc compiles calls.
struct MlpInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void MlpDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mlp/MlpOps.cpp.inc"
      >();
  addInterfaces<MlpInlinerInterface>();
}
