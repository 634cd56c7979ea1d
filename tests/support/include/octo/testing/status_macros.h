// GoogleTest assertions on absl::Status and absl::StatusOr results.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace octo::testing {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Checks that `result` (a Status or StatusOr) failed with `code` and that its message contains
// each of `parts`.
template <typename Result>
void ExpectError(const Result& result, absl::StatusCode code,
                 std::initializer_list<absl::string_view> parts = {}) {
  const absl::Status& status = StatusOf(result);
  EXPECT_EQ(status.code(), code) << status;
  for (absl::string_view part : parts) {
    EXPECT_NE(status.message().find(part), absl::string_view::npos)
        << "\"" << part << "\" not in the message of " << status;
  }
}

}  // namespace octo::testing

#define OCTO_CAT_INNER(a, b) a##b
#define OCTO_CAT(a, b) OCTO_CAT_INNER(a, b)

// Fails the test (and returns) unless `expr` is OK; prints the status otherwise.
#define OCTO_ASSERT_OK(expr)                                  \
  do {                                                        \
    const auto& octo_result_ = (expr);                        \
    ASSERT_TRUE(::octo::testing::StatusOf(octo_result_).ok()) \
        << ::octo::testing::StatusOf(octo_result_);           \
  } while (0)

// `lhs = *expr` for an OK StatusOr `expr`; fails the test (and returns) otherwise.
#define OCTO_ASSIGN_OR_FAIL(lhs, expr) \
  OCTO_ASSIGN_OR_FAIL_IMPL(OCTO_CAT(octo_result_, __LINE__), lhs, expr)
#define OCTO_ASSIGN_OR_FAIL_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  ASSERT_TRUE(tmp.ok()) << tmp.status();         \
  lhs = std::move(*tmp)
