//===- mlpc-opt.cpp - MlirOptMain with the mlp dialect and passes ---------===//
#include "mlpc/CodeGen/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::mlpc::registerEverything(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mlpc optimizer driver\n", registry));
}
