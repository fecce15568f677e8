#ifndef LABBOOK_NUMBER_PARSING_H
#define LABBOOK_NUMBER_PARSING_H

/// strtod in the "C" locale: the decimal point is always '.', whatever the user's locale says.
double lb_strtod_c(const char *text, char **end);

#endif
