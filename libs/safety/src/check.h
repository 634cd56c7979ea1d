// Crash-loudly invariant checks for octo::safety internals.
#pragma once

#include <cstdio>
#include <cstdlib>

#define OCTO_SAFETY_CHECK(cond, msg)                                                           \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: %s\n", __FILE__, __LINE__, #cond, (msg)); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)
