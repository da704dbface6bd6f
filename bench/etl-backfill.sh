#!/usr/bin/env bash
# Benchmark of the main job (issue 5): the 2022 tado_etl backfill with one executor, on a fresh
# database and Redis prefix. Prints wall time and peak memory of the `heatflow demo` process tree
# (GNU time); the machine's busy CPU time over the run, all processes (Postgres, Redis, the Docker
# engine included), and the time the hypervisor took the CPUs away ("steal", /proc/stat: on a shared
# host, a run with much steal is slower for reasons of its own); then the share of each task, the
# danfojs import and the load throughput (bench/etl-backfill-report.ts).
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
# cpu line of /proc/stat: user nice system idle iowait irq softirq steal (in USER_HZ ticks)
cpu_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8, $9}' /proc/stat; }
read -r busy0 steal0 < <(cpu_ticks)
/usr/bin/time -v node bin/heatflow.js demo -s "$start" -e "$end" --executor "$executor" --json ${DEMO_ARGS:-} \
  >"/tmp/${tag}.json" 2>"/tmp/${tag}.time" || true
read -r busy1 steal1 < <(cpu_ticks)
hz=$(getconf CLK_TCK)
cat "/tmp/${tag}.json"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "/tmp/${tag}.time" | sed 's/^\s*/demo process: /'
echo "machine: $(( (busy1 - busy0) / hz )) s of busy CPU over the run (all processes, $(nproc) cores), $(( (steal1 - steal0) / hz )) s stolen by the hypervisor"
npx tsx bench/etl-backfill-report.ts
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS ${tag} WITH (FORCE)" >/dev/null
rm -rf "/tmp/${tag}"
