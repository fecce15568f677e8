// libedit's readline compatibility layer, plus setters for its globals (assigning them from
// Swift 6 is a concurrency error). No state lives here: a static in this header is emitted once per
// compiled unit, so the SIGINT flag is in Swift (labbook/InterruptSignal.swift).
#ifndef LABBOOK_CEDITLINE_SHIM_H
#define LABBOOK_CEDITLINE_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <locale.h>
#include <editline/readline.h>

/// The terminal's width in columns (0 when `fd` is not a terminal or does not say).
static inline int lb_terminal_columns(int fd) {
  struct winsize size;
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

/// UTF-8 character handling for libedit (which otherwise cannot decode a non-ASCII completion in the C
/// locale), without touching number formatting (LC_NUMERIC stays "C").
static inline void lb_use_utf8_characters(void) {
  if (!setlocale(LC_CTYPE, "C.UTF-8")) setlocale(LC_CTYPE, "");
}

typedef char **(*lb_completion_fn)(const char *, int, int);
typedef char *(*lb_generator_fn)(const char *, int);

static inline void lb_set_completion(lb_completion_fn fn) {
  rl_attempted_completion_function = (rl_completion_func_t *)fn;
}

static inline char **lb_completion_matches(const char *text, lb_generator_fn gen) {
  return rl_completion_matches(text, (rl_compentry_func_t *)gen);
}

static inline void lb_set_completion_append_character(int c) { rl_completion_append_character = c; }

static inline void lb_set_attempted_completion_over(int v) { rl_attempted_completion_over = v; }

static inline const char *lb_line_buffer(void) { return rl_line_buffer; }

static inline void lb_set_catch_signals(int v) { rl_catch_signals = v; }

/// Copies `s` (Swift's bridged pointer lives only for the call) and makes it the word breaks.
static inline void lb_set_word_break_characters(const char *s) {
  char *copy = strdup(s);
  rl_basic_word_break_characters = copy;
  rl_completer_word_break_characters = copy;
}

#endif
