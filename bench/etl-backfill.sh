#!/usr/bin/env bash
# Benchmark of the main job (issue 5): the 2022 tado_etl backfill with one executor, on a fresh
# database and Redis prefix. Prints wall time and peak memory of the `heatflow demo` process tree
# (GNU time), then the share of each task, the danfojs import and the load throughput
# (bench/etl-backfill-report.ts).
#   bench/etl-backfill.sh [process|docker] [START] [END]
set -euo pipefail
cd "$(dirname "$0")/.."
executor=${1:-process}
start=${2:-2022-01-01}
end=${3:-2022-12-31}
tag="hf_bench_${executor}_$$"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${tag}"
export HEATFLOW_REDIS_PREFIX="${tag}"
export HEATFLOW_DATA_DIR="/tmp/${tag}/data" HEATFLOW_LOG_DIR="/tmp/${tag}/logs"
npm run build >/dev/null
/usr/bin/time -v node bin/heatflow.js demo -s "$start" -e "$end" --executor "$executor" --json \
  >"/tmp/${tag}.json" 2>"/tmp/${tag}.time" || true
cat "/tmp/${tag}.json"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "/tmp/${tag}.time" | sed 's/^\s*/demo process: /'
npx tsx bench/etl-backfill-report.ts
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS ${tag} WITH (FORCE)" >/dev/null
rm -rf "/tmp/${tag}"
