#!/usr/bin/env bash
# make bench SCALE=S|M|L DB=sqlite|postgres [FRESH=1] [REPEAT=n]
# Builds the bench database once per scale and database (FRESH=1 builds it again), then times it.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-S}"
DB="${DB:-sqlite}"
REPEAT="${REPEAT:-15}"
PY="${PY:-.venv/bin/python}"
DATA="${LODESTAR_DATA_DIR:-$PWD/var}/bench"
mkdir -p "$DATA" "${LODESTAR_DATA_DIR:-$PWD/var}/staticfiles"
export DJANGO_SETTINGS_MODULE=config.settings.bench LODESTAR_DATA_DIR="${LODESTAR_DATA_DIR:-$PWD/var}"
marker="$DATA/$DB-$SCALE.generated"
scale_lower="$(echo "$SCALE" | tr '[:upper:]' '[:lower:]')"

case "$DB" in
  sqlite)
    file="$DATA/bench-$SCALE.sqlite3"
    export DATABASE_URL="sqlite:///$file"
    if [[ -n "${FRESH:-}" || ! -f "$marker" || ! -f "$file" ]]; then
      rm -f "$file" "$file-wal" "$file-shm" "$marker"
    fi
    ;;
  postgres)
    server="postgres://postgres@127.0.0.1:5432"
    name="${BENCH_PG_NAME:-lodestar_bench_$scale_lower}"  # BENCH_PG_NAME: a database of your own
    export DATABASE_URL="$server/$name"
    if [[ -n "${FRESH:-}" || ! -f "$marker" ]]; then
      psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
      rm -f "$marker"
    fi
    ;;
  *) echo "DB must be sqlite or postgres"; exit 2 ;;
esac

"$PY" manage.py migrate --noinput -v 0  # also brings an existing bench database up to date
if [[ ! -f "$marker" ]]; then
  echo "Building the $SCALE organisation on $DB (once; FRESH=1 rebuilds it)…"
  start=$(date +%s)
  "$PY" -m bench generate --scale "$SCALE"
  echo "built in $(( $(date +%s) - start )) s"
  touch "$marker"
fi
"$PY" -m bench run --scale "$SCALE" --db "$DB" --repeat "$REPEAT"
