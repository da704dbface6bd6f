#!/usr/bin/env bash
# The docker compose stack, end to end, on a machine with no image registry:
#   1. the Docker engine and compose (installs Debian's docker.io / docker-compose when missing)
#   2. scripts/build-standins.sh: local stand-ins (node, postgres, redis) and the heatflow image
#   3. `make containers_init containers_up` with those images, in its own compose project
#      (heatflow-e2e: own network, volumes, Redis prefix) and a throwaway env file
#   4. `make backfill` of tado_etl over E2E_START..E2E_END (7 days) on the simulator; task tries
#      run in their own containers (counted with `docker events`)
#   5. warehouse row counts (schema tado), tries and their container ids, the web page on
#      127.0.0.1:8080 (E2E_WEB_PUBLISH), then `make containers_down` and what it left behind
#   6. a reference: the same days through `heatflow demo --executor process` on this machine's
#      Postgres/Redis (a throwaway database), whose row counts the stack must match
# and writes what it saw as JSON to $E2E_RESULT (default /tmp/heatflow-compose-e2e.json).
# test/e2e/compose-stack.test.ts runs it and checks the result. Volumes are deleted at the end
# (E2E_KEEP=1 keeps the stack up instead). Idempotent: images are cached, a leftover e2e stack is
# removed first. Progress and timings on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

E2E_START=${E2E_START:-2022-01-01}
E2E_END=${E2E_END:-2022-01-07}
E2E_RESULT=${E2E_RESULT:-/tmp/heatflow-compose-e2e.json}
E2E_WEB_PUBLISH=${E2E_WEB_PUBLISH:-127.0.0.1:8080}
E2E_KEEP=${E2E_KEEP:-0}
PROJECT=heatflow-e2e
PREFIX=hfe2e

t0=$SECONDS
declare -A timings
log() { printf 'compose-e2e [%4ss] %s\n' "$((SECONDS - t0))" "$*" >&2; }
phase_start=0
begin() { phase_start=$SECONDS; log "$1"; }
end() { timings[$1]=$((SECONDS - phase_start)); }

workdir=$(mktemp -d /tmp/heatflow-compose-e2e.XXXXXX)
env_file=$workdir/e2e.env
events_pid=
ref_db=
make_e2e() { make --no-print-directory ENV_FILE="$env_file" "$@"; }

cleanup() {
  local rc=$?
  [ -n "$events_pid" ] && kill "$events_pid" 2>/dev/null || true
  if [ -n "$ref_db" ]; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$ref_db\" WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -h 127.0.0.1 --scan --pattern "${ref_db}*" 2>/dev/null | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
  fi
  if [ "$E2E_KEEP" != 1 ] && [ -f "$env_file" ]; then
    make_e2e containers_clean >"$workdir/clean.log" 2>&1 || log "containers_clean failed (see $workdir/clean.log)"
  fi
  [ "$E2E_KEEP" = 1 ] && log "stack kept up (E2E_KEEP=1): make ENV_FILE=$env_file containers_clean removes it"
  [ $rc -ne 0 ] && log "FAILED (exit $rc); files in $workdir"
  [ $rc -eq 0 ] && [ "$E2E_KEEP" != 1 ] && rm -rf "$workdir"
  exit $rc
}
trap cleanup EXIT

# --- 1. engine and compose -------------------------------------------------------------------
begin "Docker engine and compose"
scripts/start-docker.sh >&2
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker-compose (Debian)"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq docker-compose) >"$workdir/apt.log" 2>&1 \
    || { log "apt-get install docker-compose failed (see $workdir/apt.log)"; exit 1; }
fi
compose_version=$( (docker compose version --short 2>/dev/null || docker-compose version --short) | head -1)
log "compose $compose_version"
end engine

# --- 2. images -----------------------------------------------------------------------------
begin "stand-in images and the heatflow image (cached when unchanged)"
images=$(scripts/build-standins.sh)
end images
log "$(echo "$images" | tr '\n' ' ')"

# --- 3. the stack ----------------------------------------------------------------------------
pw=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
{
  sed -e "s/^COMPOSE_PROJECT_NAME=.*/COMPOSE_PROJECT_NAME=$PROJECT/" \
    -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$pw/" \
    -e "s/^HEATFLOW_REDIS_PREFIX=.*/HEATFLOW_REDIS_PREFIX=$PREFIX/" \
    -e "s/^HEATFLOW_WEB_PUBLISH=.*/HEATFLOW_WEB_PUBLISH=$E2E_WEB_PUBLISH/" \
    -e '/^HEATFLOW_IMAGE=/d' -e '/^POSTGRES_IMAGE=/d' -e '/^REDIS_IMAGE=/d' .env.example
  echo "$images"
} >"$env_file"
chmod 600 "$env_file"

begin "removing a leftover e2e stack, if any"
make_e2e containers_clean >"$workdir/clean-before.log" 2>&1 || true
end clean_before
web_host=${E2E_WEB_PUBLISH%:*}
web_port=${E2E_WEB_PUBLISH##*:}
if (exec 3<>"/dev/tcp/$web_host/$web_port") 2>/dev/null; then
  log "something already listens on $E2E_WEB_PUBLISH; stop it or set E2E_WEB_PUBLISH=127.0.0.1:<free port>"
  exit 1
fi

begin "make containers_init containers_up"
make_e2e containers_init containers_up >&2
end up

# --- 4. backfill through the stack ---------------------------------------------------------
docker events --filter "label=heatflow.namespace=$PREFIX" --filter event=start \
  --format '{{.Actor.Attributes.name}}' >"$workdir/started.txt" &
events_pid=$!
begin "make backfill $E2E_START..$E2E_END"
make_e2e backfill DAG=tado_etl BACKFILL_START="$E2E_START" BACKFILL_END="$E2E_END" BACKFILL_ARGS=--json \
  | tee "$workdir/backfill.out" >&2 || true
end backfill

# heating_analytics runs on the loads' asset events (data-aware scheduling), in containers too:
# wait until it has consumed every event and no run of it is queued or running
sql_json() { # one JSON value from the stack's database
  local cmd
  cmd=$(docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)
  $cmd --env-file "$env_file" exec -T postgres sh -c 'exec psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At' <<<"$1"
}
begin "heating_analytics on the asset events"
for _ in $(seq 1 150); do
  pending=$(sql_json "SELECT (SELECT count(*) FROM heatflow.asset_dag_run_queue WHERE target_dag_id = 'heating_analytics')
    + (SELECT count(*) FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics' AND state IN ('queued', 'running'))
    + (SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics')" || echo 1)
  [ "$pending" = 0 ] && break
  sleep 2
done
end analytics
sleep 1
kill "$events_pid" 2>/dev/null || true
wait "$events_pid" 2>/dev/null || true
events_pid=
backfill_json=$(grep -E '^\{.*"backfillId"' "$workdir/backfill.out" | tail -1 || true)
[ -n "$backfill_json" ] || backfill_json=null

# --- 5. what the stack holds ---------------------------------------------------------------------
counts=$(sql_json "SELECT json_build_object('zones', (SELECT count(*) FROM tado.zones), 'days', (SELECT count(*) FROM tado.days),
  'interior', (SELECT count(*) FROM tado.interior), 'weather', (SELECT count(*) FROM tado.weather),
  'call_for_heat', (SELECT count(*) FROM tado.call_for_heat), 'settings', (SELECT count(*) FROM tado.settings),
  'device_connected', (SELECT count(*) FROM tado.device_connected), 'ac_activity', (SELECT count(*) FROM tado.ac_activity))")
# zone-days of heating zones: the ones heating_analytics analyses (AC zones are loaded, not analysed)
heating_days=$(sql_json "SELECT count(*) FROM tado.days WHERE zone_type = 'HEATING'")
tries=$(sql_json "SELECT json_build_object('tries', count(*), 'withContainer', count(container_id),
  'succeeded', count(*) FILTER (WHERE state = 'success'), 'executors', json_agg(DISTINCT executor))
  FROM heatflow.task_tries WHERE dag_id = 'tado_etl'")
# every try that did not succeed, with its error, on stderr: what to look at when the counts differ
failed_tries=$(sql_json "SELECT coalesce(json_agg(json_build_object('run', run_id, 'task', task_id, 'try', try_number,
  'state', state, 'container', container_id IS NOT NULL, 'error', left(error, 300)) ORDER BY start_date), '[]')
  FROM heatflow.task_tries WHERE state <> 'success'" || echo null)
log "tries not successful: ${failed_tries:-null}"
runs=$(sql_json "SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) AS n FROM heatflow.dag_runs WHERE dag_id = 'tado_etl' GROUP BY state) s")
analytics=$(sql_json "SELECT json_build_object(
  'runs', (SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) AS n FROM heatflow.dag_runs
    WHERE dag_id = 'heating_analytics' GROUP BY state) s),
  'runTypes', (SELECT json_agg(DISTINCT run_type) FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics'),
  'tries', (SELECT count(*) FROM heatflow.task_tries WHERE dag_id = 'heating_analytics'),
  'triesWithContainer', (SELECT count(container_id) FROM heatflow.task_tries WHERE dag_id = 'heating_analytics'),
  'executors', (SELECT json_agg(DISTINCT executor) FROM heatflow.task_tries WHERE dag_id = 'heating_analytics'),
  'zoneDaysAnalysed', (SELECT count(*) FROM analytics.zone_days WHERE status = 'analysed'),
  'zoneMinutes', (SELECT count(*) FROM analytics.zone_minute),
  'fits', (SELECT count(*) FROM analytics.weather_dependence))" || echo null)
[ -n "$analytics" ] || analytics=null
started=$(wc -l <"$workdir/started.txt" | tr -d ' ')
started_ok=$(grep -c "^$PREFIX\.tado_etl\." "$workdir/started.txt" || true)
started_analytics=$(grep -c "^$PREFIX\.heating_analytics\." "$workdir/started.txt" || true)

web_status=$(curl -s -o "$workdir/web.html" -w '%{http_code}' "http://$E2E_WEB_PUBLISH/" || echo 000)
web_has_dag=$(grep -c 'tado_etl' "$workdir/web.html" 2>/dev/null || true)
health=$(curl -s "http://$E2E_WEB_PUBLISH/api/v1/health" || true)
[ -n "$health" ] || health=null
# the scheduler's and the worker's health checks (`heatflow jobs check`, docker-compose.yaml)
service_health() {
  local id
  id=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" | head -1)
  [ -n "$id" ] && docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id" || echo missing
}
for _ in $(seq 1 30); do
  scheduler_health=$(service_health scheduler)
  worker_health=$(service_health worker)
  [ "$scheduler_health" = healthy ] && [ "$worker_health" = healthy ] && break
  sleep 2
done
log "rows: $counts; tries: $tries; runs: $runs; analytics: $analytics; containers started: $started; web: $web_status"

if [ "$E2E_KEEP" = 1 ]; then
  leftovers=null
  timings[down]=0
else
  begin "make containers_down"
  make_e2e containers_down >&2
  end down
  left_containers=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | wc -l | tr -d ' ')
  left_tasks=$(docker ps -aq --filter "label=heatflow.namespace=$PREFIX" | wc -l | tr -d ' ')
  left_network=$(docker network ls -q --filter "name=^${PROJECT}_default$" | wc -l | tr -d ' ')
  leftovers="{\"containers\":$left_containers,\"taskContainers\":$left_tasks,\"networks\":$left_network}"
fi

# --- 6. the reference: the same days with the process executor on this machine ---------------------
begin "reference: heatflow demo --executor process on 127.0.0.1:5432 / 6379"
reference=null
if pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping 2>/dev/null | grep -q PONG; then
  [ -f dist/src/cli/main.js ] || npm run build >&2
  ref_db=hf_e2e_ref_$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')
  ref_out=$(env DATABASE_URL="postgres://postgres@127.0.0.1:5432/$ref_db" REDIS_URL=redis://127.0.0.1:6379 \
    HEATFLOW_REDIS_PREFIX="$ref_db" HEATFLOW_DATA_DIR="$workdir/ref/data" HEATFLOW_LOG_DIR="$workdir/ref/logs" \
    TADO_ETL_PAUSED_UPON_CREATION=true \
    node bin/heatflow.js demo -s "$E2E_START" -e "$E2E_END" --executor process --json 2>"$workdir/ref.err") \
    || { log "reference run failed: $(tail -3 "$workdir/ref.err")"; }
  reference=$(node -e 'const s=require("fs").readFileSync(0,"utf8");try{const j=JSON.parse(s);process.stdout.write(JSON.stringify({runs:j.runs,rows:j.rows,wallTimeS:j.wall_time_s}))}catch{process.stdout.write("null")}' <<<"${ref_out:-}")
else
  log "no Postgres/Redis on 127.0.0.1: no reference"
fi
end reference

total=$((SECONDS - t0))
timing_json=$(for k in "${!timings[@]}"; do printf '"%s":%s,' "$k" "${timings[$k]}"; done)
cat >"$E2E_RESULT" <<EOF
{"range":{"start":"$E2E_START","end":"$E2E_END"},"compose":"$compose_version","project":"$PROJECT","namespace":"$PREFIX",
 "backfill":$backfill_json,"runs":$runs,"rows":$counts,"heatingDays":${heating_days:-null},"tries":$tries,
 "containersStarted":$started,"containersStartedOfDag":$started_ok,"containersStartedOfAnalytics":$started_analytics,
 "analytics":$analytics,
 "web":{"url":"http://$E2E_WEB_PUBLISH/","status":$web_status,"mentionsDag":$web_has_dag,"health":$health},
 "serviceHealth":{"scheduler":"$scheduler_health","worker":"$worker_health"},
 "leftoversAfterDown":$leftovers,"reference":$reference,
 "timingsS":{${timing_json}"total":$total}}
EOF
log "done in ${total} s: $E2E_RESULT"
cat "$E2E_RESULT"
