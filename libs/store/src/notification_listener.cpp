#include "octo/store/notification_listener.h"

#include <algorithm>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "octo/common/backoff.h"
#include "pg.h"

namespace octo::store {
namespace {

// How long one wait for notifications lasts; bounds how long the destructor takes.
constexpr long kPollMicros = 200'000;
// An idle connection is probed this often, so a silently dead one is noticed.
constexpr absl::Duration kProbeInterval = absl::Seconds(5);
constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& conn, const std::string& channel,
           const NotificationListener::Callback& callback)
      : pqxx::notification_receiver(conn, channel), callback_(callback) {}

  void operator()(const std::string& payload, int /*backend_pid*/) override {
    callback_(channel(), payload);
  }

 private:
  const NotificationListener::Callback& callback_;
};

// A connection LISTENing on the channels.
struct Session {
  std::unique_ptr<pqxx::connection> conn;
  std::vector<std::unique_ptr<Receiver>> receivers;

  ~Session() {
    // Disconnect first: receivers then unregister without sending UNLISTEN (or, with
    // libpqxx's implicit reactivation, reconnecting just to send it).
    if (conn) conn->disconnect();
    receivers.clear();
  }
};

absl::StatusOr<std::unique_ptr<Session>> OpenSession(
    const std::string& dsn, const std::vector<std::string>& channels,
    const NotificationListener::Callback& callback) {
  auto conn = Connect(dsn);
  if (!conn.ok()) return conn.status();
  auto session = std::make_unique<Session>();
  session->conn = std::move(*conn);
  try {
    for (const std::string& channel : channels) {
      session->receivers.push_back(std::make_unique<Receiver>(*session->conn, channel, callback));
    }
  } catch (...) {
    return StatusFromCurrentException();
  }
  // libpqxx swallows a broken connection while sending LISTEN.
  if (!session->conn->is_open()) return absl::UnavailableError("connection lost during LISTEN");
  return session;
}

class PgNotificationListener final : public NotificationListener {
 public:
  PgNotificationListener(std::string dsn, std::vector<std::string> channels, Callback on_notify)
      : dsn_(std::move(dsn)), channels_(std::move(channels)), on_notify_(std::move(on_notify)) {}

  ~PgNotificationListener() override {
    stop_.Notify();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status Start() {
    auto session = OpenSession(dsn_, channels_, on_notify_);
    if (!session.ok()) return session.status();
    thread_ = std::thread([this, s = std::move(*session)]() mutable { Loop(std::move(s)); });
    return absl::OkStatus();
  }

 private:
  void Loop(std::unique_ptr<Session> session) {
    common::Backoff backoff(kMinBackoff, kMaxBackoff);
    absl::Time last_probe = absl::Now();
    while (!stop_.HasBeenNotified()) {
      if (session == nullptr) {
        auto reopened = OpenSession(dsn_, channels_, on_notify_);
        if (!reopened.ok()) {
          stop_.WaitForNotificationWithTimeout(backoff.Next());
          continue;
        }
        session = std::move(*reopened);
        backoff.Reset();
        last_probe = absl::Now();
        on_notify_("", "");  // anything sent while disconnected was missed
        continue;
      }
      try {
        session->conn->await_notification(0, kPollMicros);
        if (absl::Now() - last_probe > kProbeInterval) {
          pqxx::nontransaction(*session->conn).exec("SELECT 1");
          last_probe = absl::Now();
        }
        // libpqxx reports a connection it already knows to be broken as "no notifications".
        if (!session->conn->is_open()) throw pqxx::broken_connection("connection lost");
      } catch (...) {
        session.reset();
      }
    }
  }

  const std::string dsn_;
  const std::vector<std::string> channels_;
  const Callback on_notify_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationListener>> StartNotificationListener(
    const std::string& dsn, std::vector<std::string> channels,
    NotificationListener::Callback on_notify) {
  if (channels.empty()) return absl::InvalidArgumentError("no channels to listen on");
  if (!on_notify) return absl::InvalidArgumentError("on_notify is empty");
  auto listener =
      std::make_unique<PgNotificationListener>(dsn, std::move(channels), std::move(on_notify));
  if (absl::Status s = listener->Start(); !s.ok()) return s;
  return listener;
}

}  // namespace octo::store
