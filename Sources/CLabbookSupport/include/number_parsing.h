#ifndef LABBOOK_NUMBER_PARSING_H
#define LABBOOK_NUMBER_PARSING_H

#include <stddef.h>
#include <stdint.h>

/// strtod in the "C" locale: the decimal point is always '.', whatever the user's locale says.
double lb_strtod_c(const char *text, char **end);

/// The decimal number text[0..<length] ([sign] digits [. digits] [e [sign] digits]) with at most 19
/// significant digits, correctly rounded (Clinger's fast path, else Eisel-Lemire): 1 and *value set;
/// 0 when the text is longer or not of that form (the caller asks strtod).
int lb_parse_decimal(const uint8_t *text, size_t length, double *value);

/// The longest decimal number of that form at the start of text[0..<available]: how many bytes it
/// takes, and *value set; 0 when none starts there or it breaks the form (more than 19 significant
/// digits, an exponent without digits). lb_parse_decimal(t, n) is 1 exactly when this takes all n.
size_t lb_parse_decimal_prefix(const uint8_t *text, size_t available, double *value);

#endif
