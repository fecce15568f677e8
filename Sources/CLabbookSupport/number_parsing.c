#define _GNU_SOURCE
#include <locale.h>
#include <stdlib.h>
#include <pthread.h>

#include "number_parsing.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

double lb_strtod_c(const char *text, char **end) {
  pthread_once(&c_locale_once, make_c_locale);
  return strtod_l(text, end, c_locale);
}
