#include "octo/telemetry/trace.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::telemetry {
namespace {

using ::testing::MatchesRegex;
using ::testing::SizeIs;

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextParse, AcceptsAValidTraceparent) {
  auto ctx = TraceContext::Parse(kValid);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ctx->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx->SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_EQ(ctx->trace_id[0], 0x4b);
  EXPECT_EQ(ctx->trace_id[15], 0x36);
  EXPECT_EQ(ctx->span_id[0], 0x00);
  EXPECT_EQ(ctx->span_id[7], 0xb7);
  EXPECT_TRUE(ctx->sampled);
}

TEST(TraceContextParse, ReadsTheSampledFlag) {
  auto unsampled = TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_FALSE(unsampled->sampled);
  // Only bit 0 means "sampled"; other bits are ignored.
  auto other_bits = TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02");
  ASSERT_TRUE(other_bits.has_value());
  EXPECT_FALSE(other_bits->sampled);
}

TEST(TraceContextParse, RoundTripsThroughToTraceparent) {
  for (const char* text : {kValid, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                           "00-00000000000000000000000000000001-0000000000000001-01"}) {
    auto ctx = TraceContext::Parse(text);
    ASSERT_TRUE(ctx.has_value()) << text;
    EXPECT_EQ(ctx->ToTraceparent(), text);
  }
}

// Traceparent headers the parser must refuse.
const std::string kRejected[] = {
    // Wrong lengths.
    "",
    std::string(kValid).substr(0, 54),
    // Trace id one digit short / long, span id one digit short / long.
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01",
    // Version 00 is exactly 55 characters.
    std::string(kValid) + "0",
    std::string(kValid) + ".",
    std::string(kValid) + "-extra",
    // Version too long / too short.
    "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    // Uppercase hex.
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
    "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    // Non-hex characters.
    "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7- 1",
    // A malformed version.
    ".0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "0.-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    // Wrong separators.
    "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
    // All-zero ids.
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    // Version ff is forbidden.
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};

TEST(TraceContextParse, RejectsMalformedTraceparents) {
  for (const std::string& text : kRejected) {
    EXPECT_FALSE(TraceContext::Parse(text)) << "accepted: \"" << text << "\"";
  }
}

// W3C trace context: a parser meeting a later version reads the version-00 fields and
// ignores what follows a further dash.
TEST(TraceContextParse, ReadsTheKnownFieldsOfAFutureVersion) {
  auto ctx = TraceContext::Parse(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds");
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ctx->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(TraceContext::Parse(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-future-holds"));
}

TEST(TraceContext, NewRootHasNonZeroRandomIds) {
  TraceContext a = TraceContext::NewRoot();
  TraceContext b = TraceContext::NewRoot();
  EXPECT_NE(a.trace_id, (std::array<uint8_t, 16>{}));
  EXPECT_NE(a.span_id, (std::array<uint8_t, 8>{}));
  EXPECT_NE(a.trace_id, b.trace_id);
  EXPECT_NE(a.span_id, b.span_id);
  EXPECT_TRUE(a.sampled);
}

TEST(TraceContext, NewChildKeepsTheTraceAndChangesTheSpan) {
  TraceContext parent =
      *TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  TraceContext child = parent.NewChild();
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_NE(child.span_id, (std::array<uint8_t, 8>{}));
  EXPECT_EQ(child.sampled, parent.sampled);
  EXPECT_NE(parent.NewChild().span_id, child.span_id);
}

TEST(TraceContext, ToTraceparentIsWellFormed) {
  TraceContext ctx = TraceContext::NewRoot();
  EXPECT_THAT(ctx.ToTraceparent(), MatchesRegex("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
  auto parsed = TraceContext::Parse(ctx.ToTraceparent());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, ctx.trace_id);
  EXPECT_EQ(parsed->span_id, ctx.span_id);
}

class RecordingExporter final : public SpanExporter {
 public:
  void Export(SpanData span) override {
    absl::MutexLock lock(&mu_);
    spans_.push_back(std::move(span));
  }
  std::vector<SpanData> spans() {
    absl::MutexLock lock(&mu_);
    return spans_;
  }

 private:
  absl::Mutex mu_;
  std::vector<SpanData> spans_ ABSL_GUARDED_BY(mu_);
};

class SpanTest : public ::testing::Test {
 protected:
  void SetUp() override { SetSpanExporter(exporter_); }
  void TearDown() override { SetSpanExporter(nullptr); }

  std::shared_ptr<RecordingExporter> exporter_ = std::make_shared<RecordingExporter>();
};

TEST_F(SpanTest, ExportsAChildOfItsParentWhenItEnds) {
  const TraceContext parent = TraceContext::NewRoot();
  TraceContext span_context;
  {
    Span span("stage.one", parent);
    span_context = span.context();
    EXPECT_THAT(exporter_->spans(), SizeIs(0));
  }
  auto spans = exporter_->spans();
  ASSERT_THAT(spans, SizeIs(1));
  EXPECT_EQ(spans[0].name, "stage.one");
  EXPECT_EQ(spans[0].context.trace_id, parent.trace_id);
  EXPECT_EQ(spans[0].context.span_id, span_context.span_id);
  EXPECT_NE(spans[0].context.span_id, parent.span_id);
  EXPECT_EQ(spans[0].parent_span_id, parent.span_id);
  EXPECT_LE(spans[0].start, spans[0].end);
  EXPECT_FALSE(spans[0].error);
}

TEST_F(SpanTest, SetErrorIsExported) {
  { Span("failing", TraceContext::NewRoot()).SetError("arm unavailable"); }
  auto spans = exporter_->spans();
  ASSERT_THAT(spans, SizeIs(1));
  EXPECT_TRUE(spans[0].error);
  EXPECT_EQ(spans[0].status_message, "arm unavailable");
}

TEST_F(SpanTest, NothingIsExportedWithoutAnExporter) {
  SetSpanExporter(nullptr);
  { Span span("quiet", TraceContext::NewRoot()); }
  EXPECT_THAT(exporter_->spans(), SizeIs(0));
}

}  // namespace
}  // namespace octo::telemetry
