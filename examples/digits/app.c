/* Classifies the held-out handwritten digits with the model mlpc compiled,
 * and checks its probabilities against the framework's own (scikit-learn's
 * predict_proba here, PyTorch's in examples/onnx, which compiles its model
 * with --name digits and links this app too).
 *
 *   ./digits_app digits_test.txt
 */
#include "digits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: %s digits_test.txt [tolerance]\n", argv[0]);
    return 2;
  }
  /* An f32 model matches the reference to float precision; a model
     compiled with --precision=bf16 or int8 to the tolerance given. */
  double tolerance = argc == 3 ? atof(argv[2]) : 1e-5;
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  int n, features, classes;
  if (fscanf(f, "%d %d %d", &n, &features, &classes) != 3 ||
      features != digits_IN0_DIM1 || classes != digits_OUT0_DIM1 || n < 1) {
    fprintf(stderr, "%s: not a digits test file for this model\n", argv[1]);
    return 1;
  }
  float *x = malloc(sizeof(float) * n * features);
  float *ref = malloc(sizeof(float) * n * classes);
  float *probs = malloc(sizeof(float) * n * classes);
  int *labels = malloc(sizeof(int) * n);
  if (!x || !ref || !probs || !labels)
    return 1;
  for (int i = 0; i < n; ++i) {
    int ok = fscanf(f, "%d", &labels[i]) == 1;
    for (int j = 0; j < features; ++j)
      ok &= fscanf(f, "%f", &x[i * features + j]) == 1;
    for (int j = 0; j < classes; ++j)
      ok &= fscanf(f, "%f", &ref[i * classes + j]) == 1;
    if (!ok) {
      fprintf(stderr, "%s: truncated at digit %d\n", argv[1], i);
      return 1;
    }
  }
  fclose(f);

  /* One call classifies the whole held-out set: batch = n. */
  int32_t status = digits(x, probs, n);
  if (status != MLPC_OK) {
    fprintf(stderr, "digits() failed: %s\n", mlpc_status_string(status));
    return 1;
  }

  int correct = 0;
  double maxDiff = 0;
  for (int i = 0; i < n; ++i) {
    int best = 0;
    for (int c = 0; c < classes; ++c) {
      if (probs[i * classes + c] > probs[i * classes + best])
        best = c;
      double d = fabs(probs[i * classes + c] - ref[i * classes + c]);
      if (d > maxDiff)
        maxDiff = d;
    }
    correct += best == labels[i];
    if (i < 5)
      printf("digit %d: predicted %d with p=%.6f (reference p=%.6f), label %d\n",
             i, best, probs[i * classes + best], ref[i * classes + best],
             labels[i]);
  }
  printf("accuracy on %d held-out digits: %.4f\n", n, (double)correct / n);
  printf("max |p_mlpc - p_reference| = %.2e\n", maxDiff);
  free(x);
  free(ref);
  free(probs);
  free(labels);
  return maxDiff < tolerance ? 0 : 1;
}
