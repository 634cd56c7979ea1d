// HttpClient on libcurl's multi interface: one I/O thread runs curl_multi_poll over every
// transfer; callers hand transfers over through a queue and are called back on that thread.
#include "octo/llm/http_client.h"

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <list>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "octo/common/clock.h"
#include "octo/llm/errors.h"

namespace octo::llm {

std::optional<absl::string_view> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

absl::StatusOr<HttpResponse> HttpClient::Send(HttpRequest request, ChunkFn on_chunk) {
  absl::Notification done;
  absl::StatusOr<HttpResponse> result;
  Start(std::move(request), std::move(on_chunk), [&](absl::StatusOr<HttpResponse> response) {
    result = std::move(response);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

namespace {

// How often the I/O thread wakes at least, to check cancellation, deadlines and idleness.
constexpr int kPollMs = 50;

struct Transfer {
  HttpRequest request;
  ChunkFn on_chunk;
  DoneFn on_done;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpResponse response;
  absl::Time started;
  absl::Time last_activity;
  bool got_body = false;
  // Set when a callback of ours stopped the transfer; wins over curl's own code.
  absl::Status abort_reason;
  size_t max_body_bytes = 0;
};

absl::Duration Since(absl::Time t) { return common::MonotonicClock().Now() - t; }

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  t->last_activity = common::MonotonicClock().Now();
  if (absl::StartsWith(line, "HTTP/")) {  // a new status line: 1xx, redirects
    t->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  t->response.headers.emplace_back(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const absl::Time now = common::MonotonicClock().Now();
  t->last_activity = now;
  if (!t->got_body) {
    t->got_body = true;
    t->response.first_byte = now - t->started;
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    t->response.status = static_cast<int>(code);
  }
  const bool streamed = t->on_chunk && t->response.status / 100 == 2;
  if (streamed) {
    if (!t->on_chunk(absl::string_view(data, n))) {
      t->abort_reason = absl::CancelledError("the response stream was abandoned");
      return 0;
    }
    return n;
  }
  if (t->response.body.size() + n > t->max_body_bytes) {
    t->abort_reason = absl::OutOfRangeError(
        absl::StrCat("response body larger than ", t->max_body_bytes, " bytes"));
    return 0;
  }
  t->response.body.append(data, n);
  return n;
}

// curl's verdict on a finished transfer as a status (OK when an HTTP response came back).
absl::Status CurlStatus(CURLcode code, Transfer& t) {
  if (!t.abort_reason.ok()) return t.abort_reason;
  if (code == CURLE_OK) return absl::OkStatus();
  const std::string what = absl::StrCat(curl_easy_strerror(code), " (", t.request.url, ")");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: {
      double connect = 0;
      curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME, &connect);
      if (connect <= 0) return ConnectionError(absl::StatusCode::kDeadlineExceeded, what);
      return absl::DeadlineExceededError(absl::StrCat("deadline passed: ", what));
    }
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      // Retryable only when nothing of the answer arrived (IsRetryable reads the payload).
      if (!t.got_body) return ConnectionError(absl::StatusCode::kUnavailable, what);
      return absl::UnavailableError(absl::StrCat("connection lost mid-answer: ", what));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(what);
    default:
      return absl::UnavailableError(what);
  }
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(HttpClientOptions options, CURLM* multi)
      : options_(options), multi_(multi), loop_([this] { Loop(); }) {}

  ~CurlHttpClient() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    loop_.join();
    curl_multi_cleanup(multi_);
  }

  void Start(HttpRequest request, ChunkFn on_chunk, DoneFn on_done) override {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->on_chunk = std::move(on_chunk);
    t->on_done = std::move(on_done);
    t->max_body_bytes = options_.max_body_bytes;
    in_flight_.fetch_add(1);
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        incoming_.push_back(std::move(t));
        t = nullptr;
      }
    }
    if (t != nullptr) {
      Finish(*t, absl::CancelledError("the HTTP client is shutting down"));
      return;
    }
    curl_multi_wakeup(multi_);
  }

  int in_flight() const override { return in_flight_.load(); }

 private:
  void Loop() {
    while (true) {
      std::deque<std::unique_ptr<Transfer>> incoming;
      bool stopping;
      {
        absl::MutexLock lock(&mu_);
        incoming.swap(incoming_);
        stopping = stopping_;
      }
      for (auto& t : incoming) Add(std::move(t));
      if (stopping) break;
      int running = 0;
      curl_multi_perform(multi_, &running);
      Reap();
      Police();
      curl_multi_poll(multi_, nullptr, 0, kPollMs, nullptr);
    }
    for (auto it = active_.begin(); it != active_.end();) {
      it = Remove(it, absl::CancelledError("the HTTP client is shutting down"));
    }
  }

  void Add(std::unique_ptr<Transfer> t) {
    const absl::Time now = common::MonotonicClock().Now();
    const absl::Duration left = t->request.deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      Finish(*t, absl::DeadlineExceededError("the deadline passed before the request started"));
      return;
    }
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
      Finish(*t, absl::ResourceExhaustedError("libcurl could not make a transfer"));
      return;
    }
    t->easy = easy;
    t->started = now;
    t->last_activity = now;
    for (const std::string& h : t->request.headers) {
      t->header_list = curl_slist_append(t->header_list, h.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
    if (!t->request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t->request.body.size()));
    }
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    if (left < absl::Hours(24)) {
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                       static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(left))));
    }
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi_, easy);
    active_.push_back(std::move(t));
  }

  // Ends the transfers curl says are done.
  void Reap() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* done = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &done);
      const CURLcode code = msg->data.result;
      for (auto it = active_.begin(); it != active_.end(); ++it) {
        if (it->get() != done) continue;
        Remove(it, CurlStatus(code, *done));
        break;
      }
    }
  }

  // Ends transfers that were cancelled or sat idle too long.
  void Police() {
    const absl::Time now = common::MonotonicClock().Now();
    for (auto it = active_.begin(); it != active_.end();) {
      Transfer& t = **it;
      if (t.request.cancelled && t.request.cancelled()) {
        it = Remove(it, absl::CancelledError("the call was cancelled"));
      } else if (now - t.last_activity > options_.idle_timeout) {
        it = Remove(it, absl::DeadlineExceededError(absl::StrCat(
                            "nothing received for ", absl::FormatDuration(options_.idle_timeout),
                            " (", t.request.url, ")")));
      } else {
        ++it;
      }
    }
  }

  using Active = std::list<std::unique_ptr<Transfer>>;
  Active::iterator Remove(Active::iterator it, absl::Status status) {
    std::unique_ptr<Transfer> t = std::move(*it);
    curl_multi_remove_handle(multi_, t->easy);
    if (status.ok() && t->response.status == 0) {
      long code = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
      t->response.status = static_cast<int>(code);
    }
    if (!t->got_body) t->response.first_byte = Since(t->started);
    t->response.total = Since(t->started);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->header_list);
    t->easy = nullptr;
    t->header_list = nullptr;
    Finish(*t, std::move(status));
    return active_.erase(it);
  }

  void Finish(Transfer& t, absl::Status status) {
    DoneFn done = std::move(t.on_done);
    in_flight_.fetch_sub(1);
    if (status.ok()) {
      done(std::move(t.response));
    } else {
      done(std::move(status));
    }
  }

  const HttpClientOptions options_;
  CURLM* const multi_;
  std::atomic<int> in_flight_{0};
  absl::Mutex mu_;
  std::deque<std::unique_ptr<Transfer>> incoming_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Active active_;  // the I/O thread's own
  std::thread loop_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(global)));
  }
  if (options.max_body_bytes == 0 || options.connect_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration() || options.max_idle_connections < 1 ||
      options.max_connections_per_host < 1) {
    return absl::InvalidArgumentError("HttpClientOptions: limits must be positive");
  }
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_idle_connections));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(options.max_connections_per_host));
  return std::unique_ptr<HttpClient>(new CurlHttpClient(options, multi));
}

}  // namespace octo::llm
