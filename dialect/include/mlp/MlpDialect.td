//===- MlpDialect.td - the mlp dialect ---------------------*- tablegen -*-===//
//
// The mlp dialect describes the forward pass of a multi-layer perceptron:
// dense layers, activations and (log-)softmax over ranked f32 tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MLP_DIALECT_TD
#define MLP_DIALECT_TD

include "mlir/IR/OpBase.td"

def Mlp_Dialect : Dialect {
  let name = "mlp";
  let summary = "Forward pass of multi-layer perceptrons.";
  let description = [{
    The `mlp` dialect is the input language of mlpc. A model is a module of
    public `func.func` entry points over ranked `f32` tensors whose leading
    dimension may be dynamic (the batch). Weights are `arith.constant`
    tensors. Ops are pure value semantics on tensors; mlpc fuses, stabilizes
    and lowers them through linalg, vector and LLVM.
  }];
  let cppNamespace = "::mlir::mlp";
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

class Mlp_Op<string mnemonic, list<Trait> traits = []> :
    Op<Mlp_Dialect, mnemonic, traits>;

#endif // MLP_DIALECT_TD
