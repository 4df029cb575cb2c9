//===- Utils/Layers.h - the layers of a model, as users name them -*- C++ -*-=//
#ifndef MLPC_UTILS_LAYERS_H
#define MLPC_UTILS_LAYERS_H

#include "mlp/MlpOps.h"

#include <string>

namespace mlir::mlpc {

/// The first name in `loc` (an ONNX node's, or a NameLoc a model author
/// wrote), or "".
std::string layerName(Location loc);

/// The mlp op that `spec` names (mlp.relu, mlp.leaky_relu with its alpha,
/// ...) applied to `x`: the activation of a dense layer as an op of its
/// own.
Value createActivationOp(OpBuilder &b, Location loc,
                         const mlp::ActivationSpec &spec, Value x);

} // namespace mlir::mlpc

#endif // MLPC_UTILS_LAYERS_H
