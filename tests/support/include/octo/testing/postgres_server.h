// A throw-away Postgres server for integration and end-to-end tests.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "octo/testing/subprocess.h"

namespace octo::testing {

// A Postgres cluster in a temporary directory (initdb from the newest
// /usr/lib/postgresql/<version>/bin), listening on 127.0.0.1:port() and on a unix socket in
// that directory, tuned for speed over durability (fsync off). Authentication is `trust` for
// user `postgres`. When the test runs as root, the server runs as the `postgres` system user,
// since Postgres refuses to run as root.
//
// Start one per test binary (Shared()) and give each test its own database
// (CreateDatabase()). Kill()/Restart() are for outage tests and not thread-safe; the other
// methods are. The server dies with the thread that started it (Start(), Restart(), the
// first Shared()), also when the test process crashes: call those from the test's main
// thread.
class PostgresServer {
 public:
  // Creates the cluster and starts the server; returns once it accepts connections.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();

  // The server shared by all tests of this binary: started on first use, stopped at exit.
  // Aborts with the reason when it cannot start.
  static PostgresServer& Shared();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  // Stops the server (fast shutdown) and removes its directory.
  ~PostgresServer();

  int port() const { return port_; }

  // libpq URI for database `db` on this server, e.g. "postgresql://postgres@127.0.0.1:5433/db".
  std::string Dsn(const std::string& db = "postgres") const;

  // Creates a fresh, uniquely named, empty database and returns its DSN.
  absl::StatusOr<std::string> CreateDatabase();

  // Kills the server with SIGKILL, like a crash; its backends exit as soon as they notice, so
  // clients see broken connections. Connecting fails until Restart(). Commits acknowledged
  // before the call survive (as on a server with synchronous_commit=on).
  void Kill();

  // Stops the server if it is running (fast shutdown) and starts it again on the same port
  // with the same data; returns once it accepts connections.
  absl::Status Restart();

 private:
  PostgresServer(std::string bin_dir, int port);
  absl::Status Initdb();
  absl::Status Launch();
  void Stop();

  const std::string bin_dir_;
  const int port_;
  TempDir dir_;
  std::optional<Subprocess> server_;
  std::atomic<int> next_database_{0};
};

}  // namespace octo::testing
