#include "src/judge/criterion_forms.h"

#include <cstdio>
#include <cstdlib>

namespace octo::arms::detail {

const RE2* Compile(const std::string& pattern) {
  auto* re = new RE2(pattern);
  if (!re->ok()) {
    std::fprintf(stderr, "criterion_forms.cpp: bad built-in pattern %s: %s\n", pattern.c_str(),
                 re->error().c_str());
    std::abort();
  }
  return re;
}

const Forms& GetForms() {
  static const Forms* const forms = new Forms();
  return *forms;
}

}  // namespace octo::arms::detail
