// W3C trace context carried in gRPC metadata ("traceparent") and RAII spans.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "octo/common/log.h"

namespace octo::telemetry {

inline constexpr char kTraceparentHeader[] = "traceparent";

struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  bool sampled = true;

  // Parses "00-<32 hex>-<16 hex>-<2 hex>"; nullopt when malformed or all-zero ids.
  static std::optional<TraceContext> Parse(absl::string_view traceparent);
  // A new trace with random ids.
  static TraceContext NewRoot();
  // Same trace, new random span id.
  TraceContext NewChild() const;

  std::string ToTraceparent() const;
  std::string TraceIdHex() const;
  std::string SpanIdHex() const;
};

// The incoming call's trace context, or a new root when it carries none or a malformed one.
TraceContext ExtractTrace(const grpc::ServerContextBase& context);
// Sets "traceparent" on an outgoing call; must be called before the call starts.
void InjectTrace(const TraceContext& trace, grpc::ClientContext* context);

// A finished span handed to the exporter.
struct SpanData {
  std::string name;
  TraceContext context;
  std::array<uint8_t, 8> parent_span_id{};
  absl::Time start;
  absl::Time end;
  bool error = false;
  std::string status_message;
};

// Receives finished spans. Implementations must be thread-safe and must not block.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual void Export(SpanData span) = 0;
};

// Installs the process-wide exporter (none by default: spans only feed log ids).
void SetSpanExporter(std::shared_ptr<SpanExporter> exporter);

// One unit of work. Starts a child of `parent` on construction, ends on destruction, and
// while alive sets the trace and span ids of log lines written on this thread.
class Span {
 public:
  Span(std::string name, const TraceContext& parent, absl::string_view task_id = {});
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const TraceContext& context() const { return data_.context; }
  void SetError(absl::string_view message);
  // Propagates this span as the parent of an outgoing call.
  void Inject(grpc::ClientContext* context) const { InjectTrace(data_.context, context); }

 private:
  SpanData data_;
  log::Scope log_scope_;
};

}  // namespace octo::telemetry
