#!/usr/bin/env bash
# CI's production-install step: Kindred installed as a company deploys it, apart from the dev venv, so
# no test dependency can hide a missing runtime one.
#   1. a fresh virtual environment; the lock file with hashes; then Kindred itself, without dependencies
#   2. an empty PostgreSQL database (trust auth on 127.0.0.1:5432 as postgres, or set POSTGRES_ADMIN_URL)
#   3. the Procfile's release, web and worker processes against it (.ci/production_smoke.py)
#   4. the database and the environment are removed, whatever happened
set -euo pipefail
cd "$(dirname "$0")/.."
REPOSITORY=$PWD

PYTHON=${PYTHON:-python3}
POSTGRES_ADMIN_URL=${POSTGRES_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
DATABASE=kindred_production_$(date +%s)_$$

cleanup() {
  psql "$POSTGRES_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$DATABASE\" WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "-- fresh virtual environment, the lock file with hashes, then Kindred with --no-deps"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip install --quiet --require-hashes -r requirements/production.txt
# Build from a copy of the tracked files, so nothing a developer left in the tree gets in.
git ls-files -z | tar --null -T - -cf - | (mkdir "$WORK/source" && tar -xf - -C "$WORK/source")
"$WORK/venv/bin/python" -m pip install --quiet --no-deps "$WORK/source"
"$WORK/venv/bin/python" -m pip check

echo "-- empty PostgreSQL database $DATABASE"
psql "$POSTGRES_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DATABASE\""

echo "-- the Procfile's processes"
# Run from an empty folder, so nothing is imported from the repository by accident.
(cd "$WORK" && DATABASE_URL="${POSTGRES_ADMIN_URL%/*}/$DATABASE" \
  "$PYTHON" "$REPOSITORY/.ci/production_smoke.py" "$WORK/venv/bin")
