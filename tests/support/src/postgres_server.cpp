#include "octo/testing/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace octo::testing {
namespace {

constexpr char kPgRoot[] = "/usr/lib/postgresql";
constexpr char kSystemUser[] = "postgres";
constexpr absl::Duration kStartTimeout = absl::Seconds(60);

// The bin directory of the newest Postgres under /usr/lib/postgresql.
absl::StatusOr<std::string> FindBinDir() {
  int best = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kPgRoot, ec)) {
    int version = 0;
    if (absl::SimpleAtoi(entry.path().filename().string(), &version) && version > best &&
        std::filesystem::exists(entry.path() / "bin" / "postgres")) {
      best = version;
    }
  }
  if (best < 0) {
    return absl::NotFoundError(
        absl::StrCat("no Postgres under ", kPgRoot, "/<version>/bin (apt-get install postgresql)"));
  }
  return absl::StrCat(kPgRoot, "/", best, "/bin");
}

bool RunningAsRoot() { return geteuid() == 0; }

// `argv` run through setpriv, which execs in place (so signals reach Postgres itself):
//  * as the postgres system user when we are root, since Postgres refuses to run as root;
//  * with SIGQUIT (immediate shutdown) as parent-death signal, so a test that crashes or is
//    killed by a timeout leaves no server behind. The signal fires when the *thread* that
//    started the server exits.
std::vector<std::string> Wrapped(std::vector<std::string> argv, bool die_with_parent) {
  std::vector<std::string> wrapped = {"setpriv"};
  if (RunningAsRoot()) {
    wrapped.push_back(absl::StrCat("--reuid=", kSystemUser));
    wrapped.push_back(absl::StrCat("--regid=", kSystemUser));
    wrapped.push_back("--init-groups");
  }
  if (die_with_parent) wrapped.push_back("--pdeathsig=QUIT");
  wrapped.push_back("--");
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

absl::Status GiveToServerUser(const std::string& path) {
  if (!RunningAsRoot()) return absl::OkStatus();
  const passwd* pw = getpwnam(kSystemUser);
  if (pw == nullptr) {
    return absl::NotFoundError(absl::StrCat("running as root and there is no '", kSystemUser,
                                            "' user to run Postgres as"));
  }
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return absl::InternalError(absl::StrCat("chown ", path, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace

PostgresServer::PostgresServer(std::string bin_dir, int port)
    : bin_dir_(std::move(bin_dir)), port_(port) {}

PostgresServer::~PostgresServer() { Stop(); }

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  auto bin_dir = FindBinDir();
  if (!bin_dir.ok()) return bin_dir.status();
  // A free port may be taken by someone else before Postgres binds it: try a few.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<PostgresServer> server(new PostgresServer(*bin_dir, PickFreePort()));
    if (absl::Status s = server->Initdb(); !s.ok()) return s;
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

PostgresServer& PostgresServer::Shared() {
  static const std::unique_ptr<PostgresServer> server = [] {
    auto started = Start();
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start the test Postgres server: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    return std::move(*started);
  }();
  return *server;
}

absl::Status PostgresServer::Initdb() {
  if (absl::Status s = GiveToServerUser(dir_.path()); !s.ok()) return s;
  SpawnOptions options;
  options.cwd = dir_.path();
  options.log_path = absl::StrCat(dir_.path(), "/initdb.log");
  return RunCommand(Wrapped({absl::StrCat(bin_dir_, "/initdb"), "-D",
                             absl::StrCat(dir_.path(), "/data"), "-A", "trust", "-U", "postgres",
                             "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"},
                            /*die_with_parent=*/false),
                    options);
}

absl::Status PostgresServer::Launch() {
  SpawnOptions options;
  options.cwd = dir_.path();
  options.log_path = absl::StrCat(dir_.path(), "/postgres.log");
  auto server = Subprocess::Spawn(
      Wrapped({absl::StrCat(bin_dir_, "/postgres"), "-D", absl::StrCat(dir_.path(), "/data"), "-h",
               "127.0.0.1", "-p", absl::StrCat(port_), "-k", dir_.path(), "-c", "fsync=off", "-c",
               "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"},
              /*die_with_parent=*/true),
      options);
  if (!server.ok()) return server.status();
  server_.emplace(std::move(*server));

  // Ready once pg_isready says so (the port opens before recovery has finished).
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    if (!absl::IsDeadlineExceeded(server_->Wait(absl::ZeroDuration()).status())) {
      server_.reset();
      return absl::InternalError(
          absl::StrCat("postgres exited during start-up; see ", options.log_path));
    }
    if (RunCommand({absl::StrCat(bin_dir_, "/pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                    absl::StrCat(port_), "-U", "postgres", "-t", "1"})
            .ok()) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  server_->Stop(absl::Seconds(5));
  server_.reset();
  return absl::DeadlineExceededError(
      absl::StrCat("postgres did not accept connections; see ", options.log_path));
}

void PostgresServer::Stop() {
  if (!server_) return;
  server_->Signal(SIGINT);  // fast shutdown: disconnect clients, checkpoint, exit
  if (!server_->Wait(absl::Seconds(30)).ok()) server_->Stop(absl::ZeroDuration());
  server_.reset();
}

std::string PostgresServer::Dsn(const std::string& db) const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", db);
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  const std::string name = absl::StrCat("test_", next_database_.fetch_add(1));
  absl::Status s = RunCommand({absl::StrCat(bin_dir_, "/createdb"), "-h", "127.0.0.1", "-p",
                               absl::StrCat(port_), "-U", "postgres", name});
  if (!s.ok()) return s;
  return Dsn(name);
}

void PostgresServer::Kill() {
  if (!server_) return;
  // With synchronous_commit=off, acknowledged commits may still sit in the WAL buffers; a
  // checkpoint writes them out, so the crash loses only what a durable server would.
  (void)RunCommand({absl::StrCat(bin_dir_, "/psql"), "-q", "-h", "127.0.0.1", "-p",
                    absl::StrCat(port_), "-U", "postgres", "-c", "CHECKPOINT"});
  server_->Signal(SIGKILL);
  (void)server_->Wait(absl::Seconds(30));
  server_.reset();
}

absl::Status PostgresServer::Restart() {
  Stop();
  // After Kill(), the orphaned backends hold the old shared memory until they notice the
  // postmaster is gone, and a new postmaster refuses to start until then.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  absl::Status s = Launch();
  while (!s.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    s = Launch();
  }
  return s;
}

}  // namespace octo::testing
