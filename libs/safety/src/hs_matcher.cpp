#include "hs_matcher.h"

#include <string>

#include "octo/common/check.h"

namespace octo::safety::detail {

HsMatcher::HsMatcher(std::span<const HsPattern> patterns) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].expression);
    flags.push_back(patterns[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db_,
                       &error) != HS_SUCCESS) {
    std::string msg = error != nullptr ? error->message : "unknown error";
    if (error != nullptr && error->expression >= 0) {
      msg += std::string(" in pattern: ") + expressions[static_cast<size_t>(error->expression)];
    }
    hs_free_compile_error(error);
    OCTO_CHECK(false, msg.c_str());
  }
  OCTO_CHECK(hs_alloc_scratch(db_, &prototype_) == HS_SUCCESS, "hs_alloc_scratch");
}

HsMatcher::~HsMatcher() {
  for (hs_scratch_t* s : pool_) hs_free_scratch(s);
  hs_free_scratch(prototype_);
  hs_free_database(db_);
}

hs_scratch_t* HsMatcher::Acquire() const {
  {
    absl::MutexLock lock(&mu_);
    if (!pool_.empty()) {
      hs_scratch_t* s = pool_.back();
      pool_.pop_back();
      return s;
    }
  }
  hs_scratch_t* s = nullptr;
  OCTO_CHECK(hs_clone_scratch(prototype_, &s) == HS_SUCCESS, "hs_clone_scratch");
  return s;
}

void HsMatcher::Release(hs_scratch_t* scratch) const {
  absl::MutexLock lock(&mu_);
  pool_.push_back(scratch);
}

}  // namespace octo::safety::detail
