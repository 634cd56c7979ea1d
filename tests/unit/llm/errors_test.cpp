#include "octo/llm/errors.h"

#include "gtest/gtest.h"
#include "octo/llm/providers.h"

namespace octo::llm {
namespace {

TEST(HttpError, CodesAndRetryability) {
  struct Case {
    int http;
    absl::StatusCode code;
    bool retryable;
  };
  for (Case c : {Case{400, absl::StatusCode::kInvalidArgument, false},
                 Case{401, absl::StatusCode::kUnauthenticated, false},
                 Case{403, absl::StatusCode::kPermissionDenied, false},
                 Case{429, absl::StatusCode::kResourceExhausted, true},
                 Case{500, absl::StatusCode::kUnavailable, true},
                 Case{503, absl::StatusCode::kUnavailable, true},
                 Case{529, absl::StatusCode::kUnavailable, true}}) {
    absl::Status s = HttpError("openai", c.http, "msg", std::nullopt);
    EXPECT_EQ(s.code(), c.code) << c.http;
    EXPECT_EQ(IsRetryable(s), c.retryable) << c.http;
    EXPECT_EQ(HttpStatusOf(s), c.http);
    EXPECT_FALSE(RetryAfterOf(s).has_value());
  }
}

TEST(HttpError, CarriesRetryAfterAsAPayload) {
  absl::Status s = HttpError("anthropic", 429, "slow down", absl::Seconds(2));
  EXPECT_EQ(RetryAfterOf(s), absl::Seconds(2));
  EXPECT_NE(s.message().find("HTTP 429"), absl::string_view::npos);
}

TEST(IsRetryable, ConnectionErrorsYesCallerErrorsNo) {
  EXPECT_TRUE(IsRetryable(ConnectionError(absl::StatusCode::kUnavailable, "reset")));
  EXPECT_TRUE(IsRetryable(ConnectionError(absl::StatusCode::kDeadlineExceeded, "connect")));
  EXPECT_FALSE(IsRetryable(absl::DeadlineExceededError("deadline")));
  EXPECT_FALSE(IsRetryable(absl::CancelledError("cancelled")));
  EXPECT_FALSE(IsRetryable(absl::DataLossError("malformed")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
}

TEST(ParseRetryAfter, SecondsAndHttpDates) {
  const absl::Time now = absl::FromUnixSeconds(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("3", now), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter(" 0.5 ", now), absl::Milliseconds(500));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", now), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), absl::ZeroDuration());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-4", now).has_value());
}

ProviderConfig Config(std::string provider, std::string base_url, std::string model,
                      std::string api_key) {
  ProviderConfig c;
  c.provider = std::move(provider);
  c.base_url = std::move(base_url);
  c.model = std::move(model);
  c.api_key = std::move(api_key);
  return c;
}

TEST(ProviderConfig, ValidateNamesTheVariable) {
  EXPECT_TRUE(ProviderConfig().Validate().ok());
  auto problem = [](const ProviderConfig& c) { return std::string(c.Validate().message()); };
  EXPECT_NE(problem(Config("gemini", "", "", "")).find("OCTO_LLM_PROVIDER"), std::string::npos);
  EXPECT_NE(problem(Config("openai", "", "", "")).find("OCTO_LLM_MODEL"), std::string::npos);
  // The public endpoint needs a key; a local server does not.
  EXPECT_NE(problem(Config("openai", "", "gpt-4o-mini", "")).find("OCTO_LLM_API_KEY"),
            std::string::npos);
  EXPECT_TRUE(Config("openai", "http://127.0.0.1:8080", "llama", "").Validate().ok());
  EXPECT_NE(problem(Config("anthropic", "http://127.0.0.1:8080", "claude", "")).find("OCTO_LLM_API_KEY"),
            std::string::npos);
  EXPECT_NE(problem(Config("anthropic", "ftp://x", "claude", "k")).find("OCTO_LLM_BASE_URL"),
            std::string::npos);
}

}  // namespace
}  // namespace octo::llm
