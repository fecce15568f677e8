#ifndef LABBOOK_BIN_CODES_H
#define LABBOOK_BIN_CODES_H

#include <stddef.h>
#include <stdint.h>

/// codes[i] = the first b with values[i] <= bounds[b] (bounds ascending, the last +infinity, count in
/// 1...255), or 255 when values[i] is NaN: a numeric feature's bin codes.
void lb_bin_codes(const double *values, size_t n, const double *bounds, size_t count, uint8_t *codes);

#endif
