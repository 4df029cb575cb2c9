/* Runs the MNIST-shaped model on synthetic 28x28 images: one image, then a
 * batch of 256, and prints the predicted classes and their probabilities. */
#include "mnist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A soft diagonal stroke whose slope depends on `seed`: enough structure to
 * give different activations per image. */
static void drawImage(float *img, int seed) {
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) {
      double d = fabs((c - 14) - (r - 14) * (seed % 7 - 3) / 3.0);
      img[r * 28 + c] = (float)exp(-d * d / 8.0);
    }
}

static int argmax(const float *p, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (p[i] > p[best])
      best = i;
  return best;
}

int main(void) {
  enum { Batch = 256, In = mnist_IN0_ROW_SIZE, Out = mnist_OUT0_ROW_SIZE };
  float *x = malloc(sizeof(float) * Batch * In);
  float *y = malloc(sizeof(float) * Batch * Out);
  if (!x || !y)
    return 1;
  for (int i = 0; i < Batch; ++i)
    drawImage(x + i * In, i);

  int32_t status = mnist(x, y, 1);
  if (status != MLPC_OK) {
    fprintf(stderr, "mnist: %s\n", mlpc_status_string(status));
    return 1;
  }
  printf("one image: class %d, probabilities:", argmax(y, Out));
  for (int c = 0; c < Out; ++c)
    printf(" %.4f", y[c]);
  printf("\n");

  status = mnist(x, y, Batch);
  if (status != MLPC_OK) {
    fprintf(stderr, "mnist: %s\n", mlpc_status_string(status));
    return 1;
  }
  int counts[Out] = {0};
  double worst = 0;
  for (int i = 0; i < Batch; ++i) {
    double sum = 0;
    for (int c = 0; c < Out; ++c)
      sum += y[i * Out + c];
    worst = fmax(worst, fabs(sum - 1.0));
    counts[argmax(y + i * Out, Out)]++;
  }
  printf("batch of %d: class counts", Batch);
  for (int c = 0; c < Out; ++c)
    printf(" %d", counts[c]);
  printf("; max |sum(p) - 1| = %.1e\n", worst);
  free(x);
  free(y);
  return worst < 1e-5 ? 0 : 1;
}
