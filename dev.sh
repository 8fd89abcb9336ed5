#!/usr/bin/env bash
# Kindred's two everyday commands, on a machine with nothing but Python 3.11+:
#   ./dev.sh run     build the demo organisation and open the dashboard on http://127.0.0.1:8050/dashboard/
#   ./dev.sh test    run the whole test suite (SQLite; set DATABASE_URL=postgresql://... for PostgreSQL)
# Each creates .venv and installs Kindred into it first when needed: `run` only what Kindred needs to
# run, `test` the dev extra as well (pytest, linters, the browser driver). Both share .venv.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

# install [dev]: Kindred in editable mode, with the dev extra when asked; again only if pyproject.toml
# changed since (a stamp per kind of install; the dev install holds everything `run` needs).
install() {
  local extra=${1:-}
  local stamp=$VENV/.installed${extra:+-$extra}
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ -z "$extra" ] && [ -f "$VENV/.installed-dev" ] && [ ! pyproject.toml -nt "$VENV/.installed-dev" ]; then
    return
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing Kindred${extra:+ and its $extra tools} into $VENV (the first time takes a minute or two)…"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # -qq: setuptools warns about editable installs of any flat-layout project; errors still show.
    "$VENV/bin/python" -m pip install -qq -e ".${extra:+[$extra]}"
    touch "$stamp"
  fi
}

case "${1:-}" in
  install)
    install dev
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
    install dev
    shift
    exec "$VENV/bin/pytest" "$@"
    ;;
  *)
    echo "usage: ./dev.sh run [--port N] [--host ADDRESS] | test [pytest args] | serve | install" >&2
    exit 2
    ;;
esac
