// A compiled Hyperscan pattern set with a pool of scratch spaces, shared by the detectors.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace octo::safety::detail {

struct HsPattern {
  const char* expression;
  unsigned flags;  // HS_FLAG_*
};

// Thread-safe: Scan() may run concurrently; each call borrows a scratch space from the pool
// (cloning a new one the first time a pool runs dry) and returns it.
class HsMatcher {
 public:
  // Pattern i reports id i. An expression that does not compile is a bug: aborts, naming it.
  explicit HsMatcher(std::span<const HsPattern> patterns);
  ~HsMatcher();
  HsMatcher(const HsMatcher&) = delete;
  HsMatcher& operator=(const HsMatcher&) = delete;

  // Calls on_match(id, from, to) for every match, in order of `to`. `from` is only meaningful
  // for patterns compiled with HS_FLAG_SOM_LEFTMOST. Return true from on_match to stop.
  template <typename F>
  void Scan(std::string_view text, F&& on_match) const {
    hs_scratch_t* scratch = Acquire();
    hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
            &Trampoline<std::remove_reference_t<F>>, &on_match);
    Release(scratch);
  }

 private:
  template <typename F>
  static int Trampoline(unsigned id, unsigned long long from, unsigned long long to,
                        unsigned /*flags*/, void* ctx) {
    return (*static_cast<F*>(ctx))(id, static_cast<uint32_t>(from), static_cast<uint32_t>(to)) ? 1
                                                                                               : 0;
  }
  hs_scratch_t* Acquire() const;
  void Release(hs_scratch_t* scratch) const;

  hs_database_t* db_ = nullptr;
  hs_scratch_t* prototype_ = nullptr;
  mutable absl::Mutex mu_;
  mutable std::vector<hs_scratch_t*> pool_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::safety::detail
