#include "octo/llm/sse.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace octo::llm {
namespace {

std::vector<SseEvent> ParseInPieces(const std::string& stream, size_t piece) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (size_t i = 0; i < stream.size(); i += piece) {
    absl::Status status = parser.Feed(stream.substr(i, piece), [&](const SseEvent& e) {
      events.push_back(e);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  }
  return events;
}

TEST(SseParser, SameEventsWhateverTheChunkBoundaries) {
  const std::string stream =
      ": comment\r\n"
      "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
      "data: line one\ndata: line two\n\n"
      "id: 7\nretry: 10\ndata:no-space\r\r"
      "event: empty\n\n"  // no data: not dispatched
      "data: [DONE]\n\n";
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    std::vector<SseEvent> events = ParseInPieces(stream, piece);
    ASSERT_EQ(events.size(), 4u) << "piece " << piece;
    EXPECT_EQ(events[0].event, "message_start");
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].event, "");
    EXPECT_EQ(events[1].data, "line one\nline two");
    EXPECT_EQ(events[2].data, "no-space");
    EXPECT_EQ(events[3].data, "[DONE]");
  }
}

TEST(SseParser, AnIncompleteEventIsNotDispatched) {
  EXPECT_EQ(ParseInPieces("data: half", 3).size(), 0u);
}

TEST(SseParser, AnOverlongLineIsAnError) {
  SseParser parser(16);
  absl::Status status = parser.Feed(std::string(40, 'x'), [](const SseEvent&) {
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
}

TEST(SseParser, TheHandlersErrorStopsTheFeed) {
  SseParser parser;
  int calls = 0;
  absl::Status status = parser.Feed("data: a\n\ndata: b\n\n", [&](const SseEvent&) {
    ++calls;
    return absl::DataLossError("bad");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace octo::llm
