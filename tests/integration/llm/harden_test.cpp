// Harden() around the OpenAI adapter, against the LLM stand-in: retries and their waits,
// the concurrency limit and its queue, single flight, and the circuit breaker.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "llm_fixture.h"
#include "octo/llm/errors.h"
#include "octo/llm/resilience.h"

namespace octo::llm {
namespace {

using testing::LlmRecordedRequest;
using testing::LlmReply;

class HardenTest : public LlmFixture, public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartStandIn()); }

  // Options that record waits instead of sleeping and fix the jitter at 0.5.
  HardenOptions Options() {
    HardenOptions options;
    options.random = [] { return 0.5; };
    options.sleep = [this](absl::Duration wait) {
      absl::MutexLock lock(&mu_);
      waits_.push_back(wait);
    };
    return options;
  }
  std::unique_ptr<LlmClient> Hardened(HardenOptions options) {
    return Harden(NewClient("openai"), std::move(options));
  }
  std::vector<absl::Duration> waits() {
    absl::MutexLock lock(&mu_);
    return waits_;
  }

  absl::Mutex mu_;
  std::vector<absl::Duration> waits_ ABSL_GUARDED_BY(mu_);
};

TEST_F(HardenTest, RetriesARateLimitAfterRetryAfter) {
  llm_->Enqueue({.status = 429, .retry_after_seconds = 1});
  llm_->Enqueue({.text = "Paris."});
  auto response = Hardened(Options())->Complete(Ask());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, "Paris.");
  EXPECT_EQ(llm_->requests().size(), 2u);
  EXPECT_EQ(waits(), std::vector<absl::Duration>{absl::Seconds(1)});
}

TEST_F(HardenTest, RetriesServerErrorsWithGrowingBackoff) {
  llm_->Enqueue({.status = 503});
  llm_->Enqueue({.status = 503});
  llm_->Enqueue({.text = "Paris."});
  HardenOptions options = Options();
  options.max_attempts = 3;
  auto response = Hardened(options)->Complete(Ask());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, "Paris.");
  EXPECT_EQ(llm_->requests().size(), 3u);
  std::vector<absl::Duration> waited = waits();
  ASSERT_EQ(waited.size(), 2u);
  // Full jitter over 250 ms, then 500 ms.
  EXPECT_GT(waited[0], absl::ZeroDuration());
  EXPECT_LE(waited[0], options.backoff_initial);
  EXPECT_GT(waited[1], waited[0]);
  EXPECT_LE(waited[1], 2 * options.backoff_initial);
}

TEST_F(HardenTest, DoesNotRetryARejectedKey) {
  llm_->Enqueue({.status = 401});
  llm_->Enqueue({.text = "Paris."});
  auto response = Hardened(Options())->Complete(Ask());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnauthenticated) << response.status();
  EXPECT_EQ(llm_->requests().size(), 1u);
  EXPECT_TRUE(waits().empty());
}

TEST_F(HardenTest, GivesTheLastErrorWhenAttemptsRunOut) {
  llm_->Enqueue({.status = 500});
  llm_->Enqueue({.status = 502});
  llm_->Enqueue({.status = 503});
  llm_->Enqueue({.text = "too late"});
  HardenOptions options = Options();
  options.max_attempts = 3;
  auto response = Hardened(options)->Complete(Ask());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(HttpStatusOf(response.status()), 503);
  EXPECT_EQ(llm_->requests().size(), 3u);
}

TEST_F(HardenTest, DoesNotRetryAStreamThatDeliveredText) {
  // The stream breaks off after its first text (hang_for 0: the connection closes).
  llm_->Enqueue(
      {.text = "Paris is the capital.", .hang_after_chunks = 2, .hang_for = absl::ZeroDuration()});
  llm_->Enqueue({.text = "Paris is the capital."});
  std::string seen;
  auto response = Hardened(Options())->Complete(
      Ask(), [&](absl::string_view delta) { absl::StrAppend(&seen, delta); });
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(llm_->requests().size(), 1u);
  EXPECT_EQ(seen, "Paris ");
}

TEST_F(HardenTest, RetriesAStreamThatFailedBeforeText) {
  llm_->Enqueue({.status = 503});
  llm_->Enqueue({.text = "Paris is the capital."});
  std::string seen;
  auto response = Hardened(Options())->Complete(
      Ask(), [&](absl::string_view delta) { absl::StrAppend(&seen, delta); });
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(seen, "Paris is the capital.");
  EXPECT_EQ(response->text, "Paris is the capital.");
  EXPECT_EQ(llm_->requests().size(), 2u);
}

TEST_F(HardenTest, LimitsConcurrencyAndRejectsBeyondTheQueue) {
  llm_->SetResponder([](const LlmRecordedRequest&) {
    return LlmReply{.delay_before_headers = absl::Milliseconds(300)};
  });
  HardenOptions options = Options();
  options.max_concurrency = 2;
  options.max_queue = 1;
  options.max_attempts = 1;
  std::unique_ptr<LlmClient> client = Hardened(options);

  std::vector<absl::StatusOr<Response>> results(4, absl::UnknownError("not run"));
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    // Different questions: single flight must not merge them.
    callers.emplace_back(
        [&, i] { results[i] = client->Complete(Ask(absl::StrCat("question ", i))); });
  }
  for (std::thread& caller : callers) caller.join();

  int ok = 0, exhausted = 0;
  for (const auto& result : results) {
    if (result.ok()) ++ok;
    if (result.status().code() == absl::StatusCode::kResourceExhausted) ++exhausted;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(exhausted, 1);
  EXPECT_EQ(llm_->max_in_flight(), 2);
  EXPECT_EQ(llm_->requests().size(), 3u);
}

TEST_F(HardenTest, CoalescesIdenticalDeterministicCalls) {
  llm_->SetResponder([](const LlmRecordedRequest&) {
    return LlmReply{.text = "Paris.", .delay_before_headers = absl::Milliseconds(300)};
  });
  std::unique_ptr<LlmClient> client = Hardened(Options());
  const Request request = Ask();  // temperature 0, no sink
  std::vector<absl::StatusOr<Response>> results(5, absl::UnknownError("not run"));
  std::vector<std::thread> callers;
  for (int i = 0; i < 5; ++i) {
    callers.emplace_back([&, i] { results[i] = client->Complete(request); });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(llm_->requests().size(), 1u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->text, "Paris.");
  }
}

TEST_F(HardenTest, DoesNotCoalesceSampledCalls) {
  llm_->SetResponder([](const LlmRecordedRequest&) {
    return LlmReply{.delay_before_headers = absl::Milliseconds(200)};
  });
  std::unique_ptr<LlmClient> client = Hardened(Options());
  Request request = Ask();
  request.temperature = 0.7;
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] { EXPECT_TRUE(client->Complete(request).ok()); });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(llm_->requests().size(), 3u);
}

TEST_F(HardenTest, OpenCircuitFailsWithoutCallingTheProvider) {
  llm_->SetResponder([](const LlmRecordedRequest&) { return LlmReply{.status = 503}; });
  HardenOptions options = Options();
  options.max_attempts = 1;
  options.breaker.failure_threshold = 3;
  options.breaker.open_for = absl::Seconds(60);
  std::unique_ptr<LlmClient> client = Hardened(options);
  for (int i = 0; i < 3; ++i) {
    auto response = client->Complete(Ask(absl::StrCat("question ", i)));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(HttpStatusOf(response.status()), 503);
  }
  ASSERT_EQ(llm_->requests().size(), 3u);

  auto refused = client->Complete(Ask("question 3"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(HttpStatusOf(refused.status()), 0);  // not an answer from the provider
  EXPECT_EQ(llm_->requests().size(), 3u);
}

TEST_F(HardenTest, RejectedKeysDoNotOpenTheCircuit) {
  llm_->SetResponder([](const LlmRecordedRequest&) { return LlmReply{.status = 401}; });
  HardenOptions options = Options();
  options.breaker.failure_threshold = 2;
  options.breaker.open_for = absl::Seconds(60);
  std::unique_ptr<LlmClient> client = Hardened(options);
  for (int i = 0; i < 4; ++i) {
    auto response = client->Complete(Ask(absl::StrCat("question ", i)));
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnauthenticated) << response.status();
  }
  EXPECT_EQ(llm_->requests().size(), 4u);
}

}  // namespace
}  // namespace octo::llm
