#!/bin/sh
# Entry point of the test PostgreSQL image built from this machine's own PostgreSQL
# files (nothing can be pulled here). Like the official image: on an empty data
# directory, initdb with POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB; a data
# directory that exists keeps its old password (the guides' classic trap).
set -e
PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "$POSTGRES_PASSWORD" > /tmp/pw
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm /tmp/pw
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # First-boot init phase: a temporary server on the socket only, as the image does.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql -X -q -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
