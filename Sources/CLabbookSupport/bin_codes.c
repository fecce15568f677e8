#include "bin_codes.h"

// A binary search whose steps are conditional moves: the comparison of a random value with a bound is
// right or wrong at random, so a branch there mispredicts about every other step. Swift's optimizer
// (LLVM's x86 cmov conversion) turns the same select back into a branch; __builtin_unpredictable keeps
// the conditional move.
void lb_bin_codes(const double *values, size_t n, const double *bounds, size_t count, uint8_t *codes) {
  for (size_t i = 0; i < n; i++) {
    double value = values[i];
    if (value != value) {
      codes[i] = 255;
      continue;
    }
    size_t base = 0;
    size_t length = count;
    while (length > 1) {
      size_t half = length >> 1;
      base = __builtin_unpredictable(bounds[base + half - 1] < value) ? base + half : base;
      length -= half;
    }
    codes[i] = (uint8_t)base;
  }
}
