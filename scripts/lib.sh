# Shared helpers for scripts/: install Debian packages when missing, run as the
# PostgreSQL owner. Sourced, not run.

# as_root CMD...: run as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages CHECK PACKAGE...: when the shell test CHECK fails, apt-get
# install the packages (one `apt-get update` per script run).
ensure_packages() {
  local check=$1; shift
  if eval "$check" >/dev/null 2>&1; then return 0; fi
  if [ -z "${PGREADY_APT_UPDATED:-}" ]; then
    echo "==> apt-get update" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    PGREADY_APT_UPDATED=1
  fi
  echo "==> apt-get install $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# pg_bindir: the newest installed PostgreSQL's bin directory.
pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgresql() {
  ensure_packages 'ls /usr/lib/postgresql/*/bin/postgres' postgresql
}

# as_pg CMD...: run as the postgres user when root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# free_port: a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_throwaway_pg DIR PORT PASSWORD: initdb into DIR/data (superuser postgres
# with PASSWORD, SCRAM over TCP) and start it on 127.0.0.1:PORT, socket in DIR.
start_throwaway_pg() {
  local dir=$1 port=$2 password=$3 bin
  bin=$(pg_bindir)
  chmod 755 "$dir"
  printf '%s\n' "$password" > "$dir/pw"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
}

# stop_throwaway_pg DIR
stop_throwaway_pg() {
  as_pg "$(pg_bindir)/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1 || true
}

# expect NAME CODE CMD...: run CMD, compare its exit code, count the result.
PASSED=0
FAILED=0
expect() {
  local name=$1 want=$2; shift 2
  set +e; "$@" >"${EXPECT_LOG:-/dev/null}" 2>&1; local got=$?; set -e
  if [ "$got" -eq "$want" ]; then
    PASSED=$((PASSED + 1)); echo "ok   $name" >&2
  else
    FAILED=$((FAILED + 1)); echo "FAIL $name: exit $got, expected $want" >&2
    if [ -n "${EXPECT_LOG:-}" ]; then cat "$EXPECT_LOG" >&2; fi
  fi
  return 0
}

# embedded_deps BIN OBJCOPY: the dependency list cargo auditable put into BIN's
# .dep-v0 section (zlib-compressed JSON), one "name version" per line.
embedded_deps() {
  local tmp; tmp=$(mktemp)
  "$2" --dump-section .dep-v0="$tmp" "$1" /dev/null 2>/dev/null || { rm -f "$tmp"; return 1; }
  python3 -c 'import json, sys, zlib
for p in json.loads(zlib.decompress(open(sys.argv[1], "rb").read()))["packages"]:
    print(p["name"], p["version"])' "$tmp"
  local status=$?; rm -f "$tmp"; return $status
}
