#!/bin/sh
# An app image's entrypoint: wait for the database, apply migrations, then become the
# app. `exec` at each step keeps one process tree with PID 1 receiving the signals.
set -eu

# pgready waits (up to 120 s), then runs the migrations in its place; a database that
# is not ready ends the container here with a classified exit code and the fix.
# It also refuses to deploy over a failed or edited migration (exit 52 / 53, with the
# migration's name, its log and the resolve command).
pgready wait --timeout 120s --migrations prisma=prisma/migrations --require-migrations deployable \
  -- npx prisma migrate deploy

# The migrations ran in pgready's process and exited; now the app replaces this shell,
# so SIGTERM from Docker or Kubernetes reaches it directly.
exec "$@"
