// OCTO_CHECK: a broken invariant is a bug, so the process says where and stops at once.
#pragma once

#include <cstdio>
#include <cstdlib>

// Aborts with file, line, the condition and `msg` (a C string) when `cond` is false.
// Always on, in every build type.
#define OCTO_CHECK(cond, msg)                                                                 \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: %s\n", __FILE__, __LINE__, #cond, (msg)); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
