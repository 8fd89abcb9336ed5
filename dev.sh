#!/usr/bin/env bash
# Kindred's two everyday commands, on a machine with nothing but Python 3.11+:
#   ./dev.sh run     build the demo organisation and open the dashboard on http://127.0.0.1:8050/dashboard/
#   ./dev.sh test    run the whole test suite (SQLite; set DATABASE_URL=postgresql://... for PostgreSQL)
# Each creates .venv and installs Kindred into it first when needed.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed

install() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
    touch "$STAMP"
  fi
}

case "${1:-}" in
  install)
    install
    ;;
  run)
    install
    shift
    exec "$VENV/bin/kindred" demo "$@"
    ;;
  serve)
    install
    "$VENV/bin/kindred" db upgrade
    exec "$VENV/bin/kindred" serve
    ;;
  test)
    install
    shift
    exec "$VENV/bin/pytest" "$@"
    ;;
  *)
    echo "usage: ./dev.sh run | test [pytest args] | serve | install" >&2
    exit 2
    ;;
esac
