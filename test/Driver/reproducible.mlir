// The same model compiles to the same object on every run: nothing in the
// output may depend on pointer values or hash order. This model's last
// layer (300 KiB of weights) picks its batch-size path at run time, which
// once made one path write the result through scratch and a copy, a
// different one from run to run (each compile then had even odds of either
// object).

// RUN: mlpc %s -o %t.1.o
// RUN: mlpc %s -o %t.2.o
// RUN: mlpc %s -o %t.3.o
// RUN: mlpc %s -o %t.4.o
// RUN: cmp %t.1.o %t.2.o
// RUN: cmp %t.1.o %t.3.o
// RUN: cmp %t.1.o %t.4.o

// The GPU target too (PTX only, no ptxas needed): its host code frees the
// intermediates on the failure path in program order, not in the order of
// a pointer-keyed map.
// RUN: %if mlpc-gpu %{ mlpc %s --target=nvptx --ptxas=none -o %t.g1.o --header %t.h %}
// RUN: %if mlpc-gpu %{ mlpc %s --target=nvptx --ptxas=none -o %t.g2.o --header %t.h %}
// RUN: %if mlpc-gpu %{ mlpc %s --target=nvptx --ptxas=none -o %t.g3.o --header %t.h %}
// RUN: %if mlpc-gpu %{ mlpc %s --target=nvptx --ptxas=none -o %t.g4.o --header %t.h %}
// RUN: %if mlpc-gpu %{ cmp %t.g1.o %t.g2.o %}
// RUN: %if mlpc-gpu %{ cmp %t.g1.o %t.g3.o %}
// RUN: %if mlpc-gpu %{ cmp %t.g1.o %t.g4.o %}
func.func @model(%x: tensor<?x64xf32>) -> tensor<?x300xf32> {
  %w0 = arith.constant dense<0.01> : tensor<256x64xf32>
  %b0 = arith.constant dense<0.1> : tensor<256xf32>
  %w1 = arith.constant dense<0.03> : tensor<256x256xf32>
  %b1 = arith.constant dense<0.2> : tensor<256xf32>
  %w2 = arith.constant dense<0.02> : tensor<300x256xf32>
  %b2 = arith.constant dense<0.0> : tensor<300xf32>
  %h = mlp.matmul %x, %w0 {transpose_b = true} : tensor<?x64xf32>, tensor<256x64xf32> -> tensor<?x256xf32>
  %z = mlp.add %h, %b0 : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x256xf32>
  %a = mlp.gelu %z : tensor<?x256xf32> -> tensor<?x256xf32>
  %h1 = mlp.matmul %a, %w1 {transpose_b = true} : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
  %z1 = mlp.add %h1, %b1 : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x256xf32>
  %a1 = mlp.relu %z1 : tensor<?x256xf32> -> tensor<?x256xf32>
  %h2 = mlp.matmul %a1, %w2 {transpose_b = true} : tensor<?x256xf32>, tensor<300x256xf32> -> tensor<?x300xf32>
  %y = mlp.add %h2, %b2 : tensor<?x300xf32>, tensor<300xf32> -> tensor<?x300xf32>
  return %y : tensor<?x300xf32>
}
