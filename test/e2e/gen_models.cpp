//===- gen_models.cpp - writes the generated test models as MLIR ----------===//
//
//   gen-models OUTDIR
//
// writes one .mlir per generated model (see Models.h) into OUTDIR.
//
//===----------------------------------------------------------------------===//
#include "Models.h"

#include <fstream>
#include <iostream>

using namespace mlpc_test;

static bool write(const std::string &dir, const std::string &name,
                  const std::string &text) {
  std::ofstream out(dir + "/" + name + ".mlir");
  out << text;
  return bool(out);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: gen-models OUTDIR\n";
    return 2;
  }
  std::string dir = argv[1];
  Mlp mnist = mnistModel(), acts = activationsModel(), large = largeModel(),
      split = splitModel();
  bool ok =
      write(dir, "mnist_fused", toMlir(mnist, "mnist_fused", Form::Unfused)) &&
      write(dir, "mnist_unfused",
            toMlir(mnist, "mnist_unfused", Form::Unfused)) &&
      write(dir, "mnist_dense", toMlir(mnist, "mnist_dense", Form::DenseOps)) &&
      write(dir, "acts_fused", toMlir(acts, "acts_fused", Form::Unfused)) &&
      write(dir, "acts_unfused", toMlir(acts, "acts_unfused", Form::Unfused)) &&
      write(dir, "acts_dense", toMlir(acts, "acts_dense", Form::DenseOps)) &&
      write(dir, "acts_baseline",
            toMlir(acts, "acts_baseline", Form::Unfused)) &&
      write(dir, "mnist_baseline",
            toMlir(mnist, "mnist_baseline", Form::Unfused)) &&
      write(dir, "mnist_avx2", toMlir(mnist, "mnist_avx2", Form::Unfused)) &&
      write(dir, "large_fused", toMlir(large, "large_fused", Form::Unfused)) &&
      write(dir, "large_dense", toMlir(large, "large_dense", Form::DenseOps)) &&
      write(dir, "large_baseline",
            toMlir(large, "large_baseline", Form::Unfused)) &&
      write(dir, "split_fused", toMlir(split, "split_fused", Form::Unfused)) &&
      write(dir, "split_baseline",
            toMlir(split, "split_baseline", Form::Unfused)) &&
      write(dir, "mnist_tile512",
            toMlir(mnist, "mnist_tile512", Form::Unfused)) &&
      write(dir, "acts_tile512", toMlir(acts, "acts_tile512", Form::Unfused)) &&
      write(dir, "large_tile512",
            toMlir(large, "large_tile512", Form::Unfused)) &&
      write(dir, "split_tile512",
            toMlir(split, "split_tile512", Form::Unfused)) &&
      write(dir, "split_once", toMlir(split, "split_once", Form::Unfused)) &&
      write(dir, "mnist_traced",
            toMlir(mnist, "mnist_traced", Form::Unfused)) &&
      write(dir, "mnist_traced_o0",
            toMlir(mnist, "mnist_traced_o0", Form::Unfused)) &&
      write(dir, "acts_traced", toMlir(acts, "acts_traced", Form::Unfused));
  for (const char *s : {"rows", "groups", "panels", "split"})
    for (auto [name, model] :
         {std::pair<std::string, const Mlp *>{"mnist", &mnist},
          {"large", &large}}) {
      std::string entry = name + "_" + s;
      ok = ok && write(dir, entry, toMlir(*model, entry, Form::Unfused));
    }
  if (!ok)
    std::cerr << "gen-models: cannot write to " << dir << "\n";
  return ok ? 0 : 1;
}
