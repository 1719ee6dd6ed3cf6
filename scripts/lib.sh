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
