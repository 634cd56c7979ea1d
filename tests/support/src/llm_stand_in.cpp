#include "octo/testing/llm_stand_in.h"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_replace.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "llm_stand_in_wire.h"

namespace octo::testing {
namespace {

using detail::LlmWire;

// Server threads: each holds one connection (httplib serves a connection per thread, and
// an idle kept-alive connection keeps its thread). Fixed, so that tests can count threads.
constexpr int kServerThreads = 96;
// httplib listens with a backlog of 5; a burst of connections needs more.
constexpr int kListenBacklog = 256;

// Headers httplib adds to a request itself.
bool IsPseudoHeader(absl::string_view lower_name) {
  return lower_name == "remote_addr" || lower_name == "remote_port" || lower_name == "local_addr" ||
         lower_name == "local_port";
}

int PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return -1;
}

// Calls `fn(fd, peer_port)` for every connected TCP socket of this process whose local port
// is `local_port`: the connections a server on that port accepted. httplib does not hand
// its sockets to handlers, so the stand-in finds them this way.
template <typename Fn>
void ForEachAcceptedSocket(int local_port, Fn fn) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  const int dir_fd = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dir_fd) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (PortOf(local) != local_port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    fn(fd, PortOf(peer));
  }
  closedir(dir);
}

// The socket of the connection from `peer_port`, or -1.
int ConnectionSocket(int local_port, int peer_port) {
  int found = -1;
  ForEachAcceptedSocket(local_port, [&](int fd, int port) {
    if (port == peer_port) found = fd;
  });
  return found;
}

// Whether the client closed (or reset) its end of `fd`.
bool PeerClosed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

std::string ApiKeyOf(LlmWire wire, const httplib::Request& req) {
  if (wire == LlmWire::kAnthropic) return req.get_header_value("x-api-key");
  std::string auth = req.get_header_value("Authorization");
  if (absl::StartsWith(auth, "Bearer ")) auth.erase(0, 7);
  return auth;
}

}  // namespace

std::string LlmRecordedRequest::Header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

struct LlmStandIn::State {
  httplib::Server server;
  std::thread thread;
  int port = -1;
  std::atomic<int> next_id{1};

  mutable absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::deque<LlmReply> queue ABSL_GUARDED_BY(mu);
  std::function<LlmReply(const LlmRecordedRequest&)> responder ABSL_GUARDED_BY(mu);
  std::vector<LlmRecordedRequest> requests ABSL_GUARDED_BY(mu);
  int in_flight ABSL_GUARDED_BY(mu) = 0;
  int max_in_flight ABSL_GUARDED_BY(mu) = 0;

  // Counts a request as being answered from its construction until its destruction; a
  // streamed answer's content provider holds it until the stream ends.
  class InFlight {
   public:
    explicit InFlight(State* state) : state_(state) {
      absl::MutexLock lock(&state_->mu);
      state_->max_in_flight = std::max(state_->max_in_flight, ++state_->in_flight);
    }
    ~InFlight() {
      absl::MutexLock lock(&state_->mu);
      --state_->in_flight;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    State* state_;
  };

  // Waits for `duration`; false when the stand-in is stopping or the client at `fd` (when
  // >= 0) went away first.
  bool Pause(absl::Duration duration, int fd = -1) {
    const absl::Time until = absl::Now() + duration;
    absl::MutexLock lock(&mu);
    while (!stopping) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return true;
      const absl::Duration slice = fd >= 0 ? std::min(left, absl::Milliseconds(20)) : left;
      if (mu.AwaitWithTimeout(absl::Condition(&stopping), slice)) return false;
      if (fd >= 0 && PeerClosed(fd)) return false;
    }
    return false;
  }

  LlmReply NextReply(const LlmRecordedRequest& request) {
    std::function<LlmReply(const LlmRecordedRequest&)> respond;
    {
      absl::MutexLock lock(&mu);
      if (!queue.empty()) {
        LlmReply reply = std::move(queue.front());
        queue.pop_front();
        return reply;
      }
      respond = responder;
    }
    return respond ? respond(request) : LlmReply{};
  }

  void Handle(LlmWire wire, const httplib::Request& req, httplib::Response& res);
  void Stream(LlmWire wire, const LlmReply& reply, const detail::LlmAnswer& answer, int peer_port,
              std::shared_ptr<InFlight> in_flight, httplib::Response& res);
};

void LlmStandIn::State::Handle(LlmWire wire, const httplib::Request& req, httplib::Response& res) {
  LlmRecordedRequest recorded;
  recorded.path = req.path;
  for (const auto& [name, value] : req.headers) {
    std::string lower = absl::AsciiStrToLower(name);
    if (!IsPseudoHeader(lower)) recorded.headers.emplace_back(std::move(lower), value);
  }
  recorded.body = req.body;
  {
    absl::MutexLock lock(&mu);
    requests.push_back(recorded);
  }
  auto in_flight = std::make_shared<InFlight>(this);
  const LlmReply reply = NextReply(recorded);

  if (reply.drop_connection) {
    // Closing our end before httplib writes anything: the client sees the connection end
    // with no response; httplib's own writes then fail and it closes the socket.
    const int fd = ConnectionSocket(port, req.remote_port);
    if (fd >= 0) {
      shutdown(fd, SHUT_RDWR);
      return;
    }
    res.status = 500;
    res.set_content("stand-in: cannot find the connection to drop", "text/plain");
    return;
  }
  if (reply.delay_before_headers > absl::ZeroDuration() && !Pause(reply.delay_before_headers)) {
    res.status = 503;
    return;
  }
  if (reply.retry_after_seconds.has_value()) {
    res.set_header("Retry-After", std::to_string(*reply.retry_after_seconds));
  }
  res.status = reply.status;
  if (!reply.raw_body.empty()) {
    res.set_content(reply.raw_body, "application/json");
    return;
  }
  if (reply.status != 200) {
    res.set_content(detail::ErrorBody(wire, reply.status, ApiKeyOf(wire, req)), "application/json");
    return;
  }

  const auto json = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  const bool stream = json.is_object() && json.value("stream", false) == true;
  std::string model = reply.model;
  if (model.empty() && json.is_object()) model = json.value("model", "");
  if (model.empty()) model = "stand-in-model";
  const int id = next_id.fetch_add(1);
  detail::LlmAnswer answer{&reply, model,
                           wire == LlmWire::kOpenAi ? absl::StrCat("chatcmpl-standin", id)
                                                    : absl::StrCat("msg_standin", id)};
  if (!stream) {
    res.set_content(detail::WholeAnswerBody(wire, answer), "application/json");
    return;
  }
  Stream(wire, reply, answer, req.remote_port, std::move(in_flight), res);
}

void LlmStandIn::State::Stream(LlmWire wire, const LlmReply& reply, const detail::LlmAnswer& answer,
                               int peer_port, std::shared_ptr<InFlight> in_flight,
                               httplib::Response& res) {
  std::vector<std::string> pieces = detail::StreamEvents(wire, answer);
  if (reply.chunk_bytes > 0) {
    std::string all;
    for (const std::string& event : pieces) all += event;
    pieces.clear();
    for (size_t at = 0; at < all.size(); at += reply.chunk_bytes) {
      pieces.push_back(all.substr(at, reply.chunk_bytes));
    }
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, pieces = std::move(pieces), reply, peer_port, in_flight = std::move(in_flight)](
          size_t /*offset*/, httplib::DataSink& sink) {
        for (size_t i = 0; i <= pieces.size(); ++i) {
          if (reply.hang_after_chunks.has_value() && i == *reply.hang_after_chunks) {
            Pause(reply.hang_for, ConnectionSocket(port, peer_port));
            return false;  // httplib ends the connection without finishing the stream
          }
          if (i == pieces.size()) break;
          if (i > 0 && reply.delay_between_chunks > absl::ZeroDuration() &&
              !Pause(reply.delay_between_chunks)) {
            return false;
          }
          // Each piece is written to the socket on its own (TCP_NODELAY: not coalesced).
          if (!sink.write(pieces[i].data(), pieces[i].size())) return false;
        }
        sink.done();
        return true;
      });
}

absl::StatusOr<std::unique_ptr<LlmStandIn>> LlmStandIn::Start() {
  auto state = std::make_unique<State>();
  State* s = state.get();
  s->server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  int listen_fd = -1;
  s->server.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = fd;
  });
  // Accepted sockets inherit TCP_NODELAY from the listening socket.
  s->server.set_tcp_nodelay(true);
  s->server.set_keep_alive_max_count(1000);
  s->server.Post("/v1/chat/completions", [s](const httplib::Request& req, httplib::Response& res) {
    s->Handle(LlmWire::kOpenAi, req, res);
  });
  s->server.Post("/v1/messages", [s](const httplib::Request& req, httplib::Response& res) {
    s->Handle(LlmWire::kAnthropic, req, res);
  });
  s->port = s->server.bind_to_any_port("127.0.0.1");
  if (s->port <= 0) return absl::UnavailableError("LLM stand-in: cannot bind 127.0.0.1");
  if (listen_fd >= 0) listen(listen_fd, kListenBacklog);
  s->thread = std::thread([s] {
    // A client that goes away mid-answer makes httplib's writes fail with EPIPE; the signal
    // must not end the test process. The server's threads inherit this mask.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    s->server.listen_after_bind();
  });
  // stop() is a no-op until the server runs; wait for it so the destructor cannot miss it.
  while (!s->server.is_running()) absl::SleepFor(absl::Milliseconds(1));
  return std::unique_ptr<LlmStandIn>(new LlmStandIn(std::move(state)));
}

LlmStandIn::LlmStandIn(std::unique_ptr<State> state) : state_(std::move(state)) {}

LlmStandIn::~LlmStandIn() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;  // wakes pauses and hangs
  }
  state_->server.stop();
  // Kept-alive connections wait for their next request for up to httplib's keep-alive
  // timeout; ending them lets the server's threads finish now.
  ForEachAcceptedSocket(state_->port, [](int fd, int) { shutdown(fd, SHUT_RDWR); });
  state_->thread.join();
}

int LlmStandIn::port() const { return state_->port; }

std::string LlmStandIn::base_url() const { return absl::StrCat("http://127.0.0.1:", port()); }

void LlmStandIn::Enqueue(LlmReply reply) {
  absl::MutexLock lock(&state_->mu);
  state_->queue.push_back(std::move(reply));
}

void LlmStandIn::SetResponder(std::function<LlmReply(const LlmRecordedRequest&)> responder) {
  absl::MutexLock lock(&state_->mu);
  state_->responder = std::move(responder);
}

std::vector<LlmRecordedRequest> LlmStandIn::requests() const {
  absl::MutexLock lock(&state_->mu);
  return state_->requests;
}

int LlmStandIn::in_flight() const {
  absl::MutexLock lock(&state_->mu);
  return state_->in_flight;
}

int LlmStandIn::max_in_flight() const {
  absl::MutexLock lock(&state_->mu);
  return state_->max_in_flight;
}

std::optional<std::string> FirstSourceId(const std::string& request_body) {
  // The body is JSON: the prompt's line breaks are escaped.
  const std::string body = absl::StrReplaceAll(request_body, {{"\\n", "\n"}});
  const size_t sources = body.find("Sources:");
  if (sources == std::string::npos) return std::nullopt;
  const size_t open = body.find("\n[", sources);
  if (open == std::string::npos) return std::nullopt;
  const size_t close = body.find(']', open);
  if (close == std::string::npos) return std::nullopt;
  return body.substr(open + 2, close - open - 2);
}

}  // namespace octo::testing
