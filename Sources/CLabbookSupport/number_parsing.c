#define _GNU_SOURCE
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "number_parsing.h"
#include "powers_of_five.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

double lb_strtod_c(const char *text, char **end) {
  pthread_once(&c_locale_once, make_c_locale);
  return strtod_l(text, end, c_locale);
}

// 10^0 ... 10^22, exact in binary64 (Clinger's fast path).
static const double exact_powers_of_ten[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The Eisel-Lemire algorithm as fast_float implements it (compute_float for binary64): w × 10^q, w
// nonzero and exact, to the nearest double with ties to even. Mushtak and Lemire ("Fast number parsing
// without fallback", Software: Practice and Experience 53(6), 2023) proved that the second 64-bit word
// of the power of five always settles the rounding, so no fallback is needed for an exact w.
static double eisel_lemire(int64_t q, uint64_t w, int negative) {
  uint64_t bits;
  if (q < -342) {
    bits = 0;
  } else if (q > 308) {
    bits = 0x7FFULL << 52;
  } else {
    int lz = __builtin_clzll(w);
    w <<= lz;
    int index = 2 * (int)(q + 342);
    __uint128_t first = (__uint128_t)w * lb_powers_of_five[index];
    uint64_t high = (uint64_t)(first >> 64);
    uint64_t low = (uint64_t)first;
    const uint64_t precision_mask = 0xFFFFFFFFFFFFFFFFULL >> 55;  // 52 explicit bits + 3
    if ((high & precision_mask) == precision_mask) {
      __uint128_t second = (__uint128_t)w * lb_powers_of_five[index + 1];
      uint64_t second_high = (uint64_t)(second >> 64);
      low += second_high;
      if (second_high > low) high++;
    }
    int upper_bit = (int)(high >> 63);
    int shift = upper_bit + 64 - 52 - 3;
    uint64_t mantissa = high >> shift;
    int32_t power2 = (int32_t)((((152170 + 65536) * q) >> 16) + 63) + upper_bit - lz + 1023;
    if (power2 <= 0) {  // subnormal
      if (-power2 + 1 >= 64) {
        mantissa = 0;
        power2 = 0;
      } else {
        mantissa >>= -power2 + 1;
        mantissa += (mantissa & 1);
        mantissa >>= 1;
        power2 = (mantissa < (1ULL << 52)) ? 0 : 1;
      }
      bits = (mantissa & ((1ULL << 52) - 1)) | ((uint64_t)power2 << 52);
    } else {
      // Exactly halfway between two doubles (possible only for small |q|): round to even.
      if (low <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1) {
        if ((mantissa << shift) == high) mantissa &= ~1ULL;
      }
      mantissa += (mantissa & 1);
      mantissa >>= 1;
      if (mantissa >= (2ULL << 52)) {
        mantissa = 1ULL << 52;
        power2++;
      }
      mantissa &= ~(1ULL << 52);
      if (power2 >= 0x7FF) {
        power2 = 0x7FF;
        mantissa = 0;
      }
      bits = mantissa | ((uint64_t)power2 << 52);
    }
  }
  if (negative) bits |= 1ULL << 63;
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

// Eight ASCII digits at once (fast_float's SWAR steps, after Wojciech Muła): whether the 8 bytes at p
// are all '0'..'9', and their value. Loaded little-endian, so the first byte is the lowest.
static inline uint64_t load_eight(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline int is_eight_digits(uint64_t v) {
  return !(((v + 0x4646464646464646ULL) | (v - 0x3030303030303030ULL)) & 0x8080808080808080ULL);
}

static inline uint64_t eight_digits_value(uint64_t v) {
  const uint64_t mask = 0x000000FF000000FFULL;
  const uint64_t mul1 = 0x000F424000000064ULL;  // 100 + (1000000 << 32)
  const uint64_t mul2 = 0x0000271000000001ULL;  // 1 + (10000 << 32)
  v -= 0x3030303030303030ULL;
  v = (v * 10) + (v >> 8);
  v = (((v & mask) * mul1) + (((v >> 16) & mask) * mul2)) >> 32;
  return v;
}

size_t lb_parse_decimal_prefix(const uint8_t *text, size_t available, double *value) {
  const uint8_t *p = text;
  const uint8_t *end = text + available;
  int negative = 0;
  if (p < end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    p++;
  }
  uint64_t w = 0;
  int64_t digits = 0;  // significant digits read into w (leading zeros not counted)
  int64_t exponent = 0;
  int saw_digit = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    saw_digit = 1;
    if (w != 0 || *p != '0') {
      if (++digits > 19) return 0;
      w = w * 10 + (uint64_t)(*p - '0');
    }
    p++;
  }
  if (p < end && *p == '.') {
    p++;
    // Leading zeros of the fraction (0.000123) only move the exponent; then eight digits at a time
    // while they stay within the 19 significant digits w holds.
    if (w == 0) {
      while (p < end && *p == '0') {
        saw_digit = 1;
        exponent--;
        p++;
      }
    }
    while (end - p >= 8 && digits + 8 <= 19) {
      uint64_t eight = load_eight(p);
      if (!is_eight_digits(eight)) break;
      w = w * 100000000ULL + eight_digits_value(eight);
      // All eight are significant: w was nonzero, or the zeros above stopped at a digit 1-9.
      digits += 8;
      saw_digit = 1;
      exponent -= 8;
      p += 8;
    }
    while (p < end && *p >= '0' && *p <= '9') {
      saw_digit = 1;
      if (w != 0 || *p != '0') {
        if (++digits > 19) return 0;
        w = w * 10 + (uint64_t)(*p - '0');
      }
      exponent--;
      p++;
    }
  }
  if (!saw_digit) return 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    int exponent_negative = 0;
    if (p < end && (*p == '-' || *p == '+')) {
      exponent_negative = *p == '-';
      p++;
    }
    // An exponent without digits ("1e", "1e+x") makes the whole text no number of this form.
    if (p == end || *p < '0' || *p > '9') return 0;
    int64_t written = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (written < 100000) written = written * 10 + (*p - '0');
      p++;
    }
    exponent += exponent_negative ? -written : written;
  }
  size_t consumed = (size_t)(p - text);
  if (w == 0) {
    *value = negative ? -0.0 : 0.0;
    return consumed;
  }
  if (exponent >= -22 && exponent <= 22 && w <= (1ULL << 53)) {
    double d = (double)w;
    d = exponent < 0 ? d / exact_powers_of_ten[-exponent] : d * exact_powers_of_ten[exponent];
    *value = negative ? -d : d;
    return consumed;
  }
  *value = eisel_lemire(exponent, w, negative);
  return consumed;
}

int lb_parse_decimal(const uint8_t *text, size_t length, double *value) {
  double parsed;
  if (length == 0 || lb_parse_decimal_prefix(text, length, &parsed) != length) return 0;
  *value = parsed;
  return 1;
}
