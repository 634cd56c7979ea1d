// HttpClient against the LLM stand-in: many streamed transfers on one I/O thread, and the
// transport failures it reports.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "llm_fixture.h"
#include "octo/testing/eventually.h"

namespace octo::llm {
namespace {

using testing::Eventually;
using testing::LlmRecordedRequest;
using testing::LlmReply;

// "Threads:" of /proc/self/status.
int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int threads = 0;
    if (absl::ConsumePrefix(&rest, "Threads:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &threads)) {
      return threads;
    }
  }
  return -1;
}

class HttpClientTest : public LlmFixture, public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartStandIn()); }

  HttpRequest StreamRequest(absl::Duration timeout = absl::Seconds(20)) const {
    HttpRequest request;
    request.url = llm_->base_url() + "/v1/chat/completions";
    request.headers = {"Content-Type: application/json"};
    request.body = R"({"model":"m","stream":true,"messages":[]})";
    request.deadline = absl::Now() + timeout;
    return request;
  }
};

// The outcome of one transfer started with HttpClient::Start.
struct Transfer {
  std::string streamed;  // what the chunk callback got
  std::optional<absl::StatusOr<HttpResponse>> result;
};

TEST_F(HttpClientTest, StreamsManyTransfersOnOneThread) {
  constexpr int kTransfers = 64;
  // About 25 events 20 ms apart: each stream lasts half a second.
  std::string text;
  for (int i = 0; i < 22; ++i) absl::StrAppend(&text, "word", i, " ");
  llm_->SetResponder([text](const LlmRecordedRequest&) {
    return LlmReply{.text = text, .delay_between_chunks = absl::Milliseconds(20)};
  });
  // One transfer first, so that whatever the client starts lazily is running.
  ASSERT_TRUE(http_->Send(StreamRequest()).ok());
  const int threads_before = ThreadCount();

  absl::Mutex mu;
  std::vector<Transfer> transfers(kTransfers);
  int done = 0;
  for (int i = 0; i < kTransfers; ++i) {
    http_->Start(
        StreamRequest(),
        [&, i](absl::string_view chunk) {
          absl::MutexLock lock(&mu);
          absl::StrAppend(&transfers[i].streamed, chunk);
          return true;
        },
        [&, i](absl::StatusOr<HttpResponse> response) {
          absl::MutexLock lock(&mu);
          transfers[i].result = std::move(response);
          ++done;
        });
  }
  int threads_during = 0;
  EXPECT_TRUE(Eventually(
      [&] {
        threads_during = std::max(threads_during, ThreadCount());
        return llm_->in_flight() == kTransfers;
      },
      absl::Seconds(10)))
      << "in flight at the stand-in: " << llm_->in_flight();
  EXPECT_EQ(http_->in_flight(), kTransfers);
  threads_during = std::max(threads_during, ThreadCount());

  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                        +[](int* n) { return *n == kTransfers; }, &done),
                                    absl::Seconds(30)));
  }
  EXPECT_EQ(llm_->max_in_flight(), kTransfers);
  EXPECT_LE(threads_during - threads_before, 4)
      << "threads before: " << threads_before << ", during: " << threads_during;
  absl::MutexLock lock(&mu);
  for (int i = 0; i < kTransfers; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(transfers[i].result.has_value());
    ASSERT_TRUE(transfers[i].result->ok()) << transfers[i].result->status();
    EXPECT_EQ((*transfers[i].result)->status, 200);
    EXPECT_TRUE((*transfers[i].result)->body.empty());  // it went to the chunk callback
    EXPECT_TRUE(absl::StrContains(transfers[i].streamed, "word21"));
    EXPECT_TRUE(absl::EndsWith(transfers[i].streamed, "data: [DONE]\n\n"));
  }
}

TEST_F(HttpClientTest, ErrorBodiesAreCollectedNotStreamed) {
  llm_->Enqueue({.status = 503});
  std::string streamed;
  auto response = http_->Send(StreamRequest(), [&](absl::string_view chunk) {
    absl::StrAppend(&streamed, chunk);
    return true;
  });
  ASSERT_TRUE(response.ok()) << response.status();  // an HTTP error is a response
  EXPECT_EQ(response->status, 503);
  EXPECT_TRUE(streamed.empty());
  EXPECT_TRUE(absl::StrContains(response->body, "server_error"));
  EXPECT_EQ(response->Header("content-type"), "application/json");
}

TEST_F(HttpClientTest, SilenceLongerThanTheIdleTimeoutIsDeadlineExceeded) {
  auto http = HttpClient::Create({.idle_timeout = absl::Milliseconds(200)});
  ASSERT_TRUE(http.ok()) << http.status();
  llm_->Enqueue({.hang_after_chunks = 2});
  const absl::Time start = absl::Now();
  auto response = (*http)->Send(StreamRequest(), [](absl::string_view) { return true; });
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(HttpClientTest, ChunkCallbackReturningFalseAbortsTheTransfer) {
  llm_->Enqueue({.hang_after_chunks = 2});  // would hold for 30 s
  const absl::Time start = absl::Now();
  auto response = http_->Send(StreamRequest(), [](absl::string_view) { return false; });
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(HttpClientTest, DestructorCancelsRunningTransfers) {
  auto http = HttpClient::Create();
  ASSERT_TRUE(http.ok()) << http.status();
  llm_->Enqueue({.hang_after_chunks = 1});
  absl::Mutex mu;
  std::optional<absl::Status> ended;
  (*http)->Start(
      StreamRequest(), [](absl::string_view) { return true; },
      [&](absl::StatusOr<HttpResponse> response) {
        absl::MutexLock lock(&mu);
        ended = response.status();
      });
  ASSERT_TRUE(Eventually([&] { return llm_->in_flight() == 1; }, absl::Seconds(5)));
  const absl::Time start = absl::Now();
  http->reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->code(), absl::StatusCode::kCancelled) << *ended;
}

}  // namespace
}  // namespace octo::llm
