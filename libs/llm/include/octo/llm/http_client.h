// An HTTP/1.1 client on libcurl's multi interface: one I/O thread drives every transfer
// (no thread per request), connections are kept alive and reused, and each transfer has a
// connect timeout, a total deadline, an idle timeout between received bytes, a body cap and
// cancellation.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::llm {

struct HttpClientOptions {
  // Idle connections kept for reuse, across hosts. Default 64.
  int max_idle_connections = 64;
  // Connections open at once to one host; more transfers wait in curl's queue. Default 64.
  int max_connections_per_host = 64;
  // Default 5 s.
  absl::Duration connect_timeout = absl::Seconds(5);
  // A transfer that receives nothing for this long fails with DEADLINE_EXCEEDED. Default 60 s.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Largest response body accepted; more fails with OUT_OF_RANGE. Default 8 MiB.
  size_t max_body_bytes = 8 << 20;
};

struct HttpRequest {
  std::string url;
  // "Name: value" lines.
  std::vector<std::string> headers;
  // POSTed when not empty, else GET.
  std::string body;
  absl::Time deadline = absl::InfiniteFuture();
  // Polled by the I/O thread (at least every 50 ms); true aborts with CANCELLED.
  std::function<bool()> cancelled;
};

struct HttpResponse {
  int status = 0;
  // Response headers, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body; empty when it went to a chunk callback instead.
  std::string body;
  // From starting the transfer to its first body byte, and to its end.
  absl::Duration first_byte = absl::ZeroDuration();
  absl::Duration total = absl::ZeroDuration();

  // The first header named `name` (lower case), if any.
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

// Receives the body of a 2xx response as it arrives, on the I/O thread; must not block.
// Returning false aborts the transfer (the error is the one the callback reports through
// its own channel; the transfer ends with CANCELLED).
using ChunkFn = std::function<bool(absl::string_view chunk)>;
// Called once per transfer, on the I/O thread, when it ends. Transport failures are
// statuses: UNAVAILABLE (refused, reset, DNS), DEADLINE_EXCEEDED (connect, idle, deadline),
// CANCELLED, OUT_OF_RANGE (body cap). An HTTP error status is a response, not a failure.
using DoneFn = std::function<void(absl::StatusOr<HttpResponse>)>;

// Thread-safe. The destructor aborts transfers still running (their DoneFn gets CANCELLED)
// and joins the I/O thread.
class HttpClient {
 public:
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(HttpClientOptions options = {});
  virtual ~HttpClient() = default;

  // Starts a transfer and returns at once. `on_chunk` (optional) takes a 2xx body instead of
  // HttpResponse::body; a non-2xx body is always collected into HttpResponse::body.
  virtual void Start(HttpRequest request, ChunkFn on_chunk, DoneFn on_done) = 0;

  // Start, then wait for the transfer on the calling thread.
  absl::StatusOr<HttpResponse> Send(HttpRequest request, ChunkFn on_chunk = nullptr);

  // Transfers running now.
  virtual int in_flight() const = 0;
};

}  // namespace octo::llm
