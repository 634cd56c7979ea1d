#include "octo/telemetry/trace.h"

#include <atomic>
#include <cstring>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace octo::telemetry {
namespace {

// Lowercase hex only: W3C trace context requires it.
template <size_t N>
bool ParseHex(absl::string_view hex, std::array<uint8_t, N>* out) {
  if (hex.size() != 2 * N) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  const std::string bytes = absl::HexStringToBytes(hex);
  std::memcpy(out->data(), bytes.data(), N);
  return true;
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <size_t N>
void Randomize(std::array<uint8_t, N>* bytes) {
  thread_local absl::BitGen gen;
  do {
    for (auto& b : *bytes) b = absl::Uniform<uint8_t>(gen);
  } while (AllZero(*bytes));
}

absl::Mutex exporter_mu;
std::shared_ptr<SpanExporter>& Exporter() {
  static auto* exporter = new std::shared_ptr<SpanExporter>();
  return *exporter;
}
std::atomic<bool> has_exporter{false};

}  // namespace

std::optional<TraceContext> TraceContext::Parse(absl::string_view tp) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2)
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return std::nullopt;
  std::array<uint8_t, 1> version{};
  if (!ParseHex(tp.substr(0, 2), &version) || version[0] == 0xff) return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append "-<more fields>".
  if (tp.size() > 55 && (version[0] == 0 || tp[55] != '-')) return std::nullopt;
  TraceContext ctx;
  std::array<uint8_t, 1> flags{};
  if (!ParseHex(tp.substr(3, 32), &ctx.trace_id) || !ParseHex(tp.substr(36, 16), &ctx.span_id) ||
      !ParseHex(tp.substr(53, 2), &flags)) {
    return std::nullopt;
  }
  if (AllZero(ctx.trace_id) || AllZero(ctx.span_id)) return std::nullopt;
  ctx.sampled = (flags[0] & 1) != 0;
  return ctx;
}

TraceContext TraceContext::NewRoot() {
  TraceContext ctx;
  Randomize(&ctx.trace_id);
  Randomize(&ctx.span_id);
  return ctx;
}

TraceContext TraceContext::NewChild() const {
  TraceContext ctx = *this;
  Randomize(&ctx.span_id);
  return ctx;
}

std::string TraceContext::ToTraceparent() const {
  return absl::StrCat("00-", TraceIdHex(), "-", SpanIdHex(), sampled ? "-01" : "-00");
}

std::string TraceContext::TraceIdHex() const { return Hex(trace_id); }
std::string TraceContext::SpanIdHex() const { return Hex(span_id); }

TraceContext ExtractTrace(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kTraceparentHeader);
  if (it != metadata.end()) {
    if (auto parsed = TraceContext::Parse(absl::string_view(it->second.data(), it->second.size()))) {
      return *parsed;
    }
  }
  return TraceContext::NewRoot();
}

void InjectTrace(const TraceContext& trace, grpc::ClientContext* context) {
  context->AddMetadata(kTraceparentHeader, trace.ToTraceparent());
}

void SetSpanExporter(std::shared_ptr<SpanExporter> exporter) {
  absl::MutexLock lock(&exporter_mu);
  has_exporter = exporter != nullptr;
  Exporter() = std::move(exporter);
}

namespace {
SpanData StartSpan(std::string name, const TraceContext& parent) {
  SpanData data;
  data.name = std::move(name);
  data.context = parent.NewChild();
  data.parent_span_id = parent.span_id;
  data.start = absl::Now();
  return data;
}
}  // namespace

Span::Span(std::string name, const TraceContext& parent, absl::string_view task_id)
    : data_(StartSpan(std::move(name), parent)),
      log_scope_(data_.context.TraceIdHex(), data_.context.SpanIdHex(), task_id) {}

Span::~Span() {
  if (!has_exporter.load(std::memory_order_relaxed)) return;
  std::shared_ptr<SpanExporter> exporter;
  {
    absl::MutexLock lock(&exporter_mu);
    exporter = Exporter();
  }
  if (exporter == nullptr) return;
  data_.end = absl::Now();
  exporter->Export(std::move(data_));
}

void Span::SetError(absl::string_view message) {
  data_.error = true;
  data_.status_message = std::string(message);
}

}  // namespace octo::telemetry
