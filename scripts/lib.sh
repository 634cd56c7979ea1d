# Shell helpers for starting a project-local Postgres and Redis on loopback.
# Sourced by run.sh. Data lives under $OCTO_VAR (git-ignored).

pg_bindir() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1; }

# Runs a command as the postgres user when we are root (Postgres refuses to run as root).
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT: initialises DIR on first use and starts the server.
start_postgres() {
  local dir="$1" port="$2" bin; bin="$(pg_bindir)"
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$dir"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use by another program; set OCTO_PG_PORT to a free port" >&2
    return 1
  fi
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 > "$dir/initdb.log" 2>&1
  fi
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start > /dev/null
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='octo'" | grep -q 1 ||
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres octo
}

stop_postgres() {
  local dir="$1"
  as_pg "$(pg_bindir)/pg_ctl" -D "$dir/data" -m fast stop > /dev/null 2>&1 || true
}

# wait_port PORT [SECONDS]
wait_port() {
  local port="$1" limit="${2:-30}" i
  for ((i = 0; i < limit * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$port after ${limit}s" >&2
  return 1
}
