#!/usr/bin/env bash
# HTTP load benchmarks of `guanxi serve` on this machine: server and load generators on 127.0.0.1.
# Figures and how to read them: docs/benchmarks.md, "Shop service (HTTP)".
#
#   cmake --preset release && cmake --build --preset release --target guanxi load_seed load_order_flow
#   bench/load/run.sh                       # everything, 15 s per load
#   DURATION=5 MEMBERS=20000 TEAM=5000 bench/load/run.sh    # a quick look
#
# Builds nothing. Seeds $LOAD_DIR/seed-$MEMBERS-$TEAM-$PAID_PERCENT/shop.db once with load_seed (about
# 10 minutes for 1,000,000 members here; reused afterwards, delete the directory to seed again), copies
# it to $LOAD_DIR/run/ so every run starts from the same shop, starts the server on it (config: the
# sandbox's payment_secret, $SERVER_THREADS HTTP threads, default 2; everything else default:
# max_batch 1024), runs each load for $DURATION seconds after a $WARMUP-second warm-up, prints a table
# and stops the server. Every step has a time limit; everything listens on 127.0.0.1 only.
#
# Loads (wrk: $WRK_THREADS threads, $WRK_CONNECTIONS connections, --latency; each read load also runs
# "light", as NAME@$LIGHT_CONNECTIONS: wrk -t1 -c$LIGHT_CONNECTIONS):
#   healthz       GET /healthz                              the floor: a route that does nothing
#   products      GET /api/v1/products?limit=20             first page of the catalogue, anonymous
#   products_p3   GET /api/v1/products?limit=20&after=40    a later page
#   team          GET /api/v1/me/team                       the summary of the member with $TEAM below
#   team_members  GET /api/v1/me/team/members?limit=20      the first page of that member's downline
#   order_flow2   the same flow in two requests: the order created with "pay":"sandbox" answers its intent
#                 (load_order_flow --pay-at-create), then the signed notification
#   order_flow    load_order_flow at each of $FLOW_CONNECTIONS connections: create → pay → signed
#                 notification, every step a write answered after its group commit (fsync)
# Choose loads with LOADS="team order_flow" etc.
#
# STORE=postgres runs the same shop on PostgreSQL 15: a server started for the run on 127.0.0.1 in a
# temporary directory (scripts/pg-test-server; PostgreSQL's defaults: fsync and synchronous_commit on),
# the seeded SQLite shop moved into it with `guanxi migrate`, and `guanxi serve --db postgresql://…`.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build/release}
LOAD_DIR=${LOAD_DIR:-build/load}
MEMBERS=${MEMBERS:-1000000}
TEAM=${TEAM:-100000}
PAID_PERCENT=${PAID_PERCENT:-70}
BUYERS=${BUYERS:-2000}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
LIGHT_CONNECTIONS=${LIGHT_CONNECTIONS:-2}
FLOW_CONNECTIONS=${FLOW_CONNECTIONS:-"16 64 256"}
PORT=${PORT:-18080}
STORE=${STORE:-sqlite}
LOADS=${LOADS:-"healthz products products_p3 team team_members order_flow"}
SECRET=load-bench-secret-0123456789abcdef

GUANXI=$BUILD/src/cli/guanxi
SEED=$BUILD/bench/load/load_seed
FLOW=$BUILD/bench/load/load_order_flow
for bin in "$GUANXI" "$SEED" "$FLOW"; do
  [[ -x $bin ]] || { echo "run.sh: $bin is missing; build the release targets first (see the top of this file)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }

SEED_DIR=$LOAD_DIR/seed-$MEMBERS-$TEAM-$PAID_PERCENT
RUN_DIR=$LOAD_DIR/run
mkdir -p "$LOAD_DIR"

# ---- the shop ----
# The seed's login tokens expire after 7 days (token_ttl_days): seed again before that.
if [[ -f $SEED_DIR/seed.txt && -n $(find "$SEED_DIR/seed.txt" -mtime +5) ]]; then
  echo "== the shop in $SEED_DIR is older than 6 days; its tokens are about to expire: seeding again"
  rm -f "$SEED_DIR/seed.txt"
fi
if [[ ! -f $SEED_DIR/seed.txt ]]; then
  rm -rf "$SEED_DIR" && mkdir -p "$SEED_DIR"
  echo "== seeding $MEMBERS members ($TEAM below one member, $PAID_PERCENT% paid) into $SEED_DIR"
  /usr/bin/time -f "load_seed: %e s wall, %M KiB peak RSS" timeout 7200 \
    "$SEED" --db "$SEED_DIR/shop.db" --plan plans/chain-2plus1-699.toml --out "$SEED_DIR" \
    --members "$MEMBERS" --team "$TEAM" --buyers "$BUYERS" --paid-percent "$PAID_PERCENT" 2>&1 | tee "$SEED_DIR/seed.log"
  [[ -f $SEED_DIR/seed.txt ]] || { echo "run.sh: seeding failed" >&2; exit 1; }
else
  echo "== reusing the shop in $SEED_DIR ($(tr '\n' ' ' < "$SEED_DIR/seed.txt"))"
fi
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
cp "$SEED_DIR/shop.db" "$RUN_DIR/shop.db"
printf 'payment_secret = "%s"\nsandbox_payments = true\nthreads = %d\n' "$SECRET" "${SERVER_THREADS:-2}" > "$RUN_DIR/shop.toml"
TEAM_TOKEN=$(cat "$SEED_DIR/team.token")
OUT=$RUN_DIR/results.txt
: > "$OUT"

DB=$RUN_DIR/shop.db
if [[ $STORE == postgres ]]; then
  scripts/pg-test-server start "$RUN_DIR/pg"
  trap 'scripts/pg-test-server stop "$RUN_DIR/pg"' EXIT
  psql -qAt "$(cat "$RUN_DIR/pg/url")" -c "CREATE DATABASE shop OWNER guanxi"
  DB="postgresql://guanxi@127.0.0.1:$(cat "$RUN_DIR/pg/port")/shop"
  echo "== moving the shop to PostgreSQL: guanxi migrate --to $DB"
  timeout 7200 "$GUANXI" migrate --from "$RUN_DIR/shop.db" --to "$DB" 2>/dev/null
elif [[ $STORE != sqlite ]]; then
  echo "run.sh: STORE is sqlite or postgres" >&2
  exit 2
fi

# ---- the server ----
"$GUANXI" serve --db "$DB" --listen "127.0.0.1:$PORT" --config "$RUN_DIR/shop.toml" \
  > "$RUN_DIR/serve.out" 2> "$RUN_DIR/serve.err" &
SERVER=$!
stop_server() {
  if kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER"
    timeout 60 tail --pid="$SERVER" -f /dev/null || kill -KILL "$SERVER"
  fi
  [[ $STORE != postgres ]] || scripts/pg-test-server stop "$RUN_DIR/pg"
}
trap stop_server EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$RUN_DIR/serve.err" >&2; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "run.sh: the server did not come up" >&2; exit 1; }
rss() { awk -v k="$1:" '$1 == k { printf "%.0f MiB", $2 / 1024 }' "/proc/$SERVER/status"; }
REBUILD=$(grep -o 'rebuilt the engine from .*' "$RUN_DIR/serve.err" || true)
RSS_START=$(rss VmRSS)
echo "== server pid $SERVER: $REBUILD; RSS $RSS_START"
# How busy the machine is with other work: load average and CPU pressure (the share of time some
# runnable task waited for a CPU, over the last 60 s).
pressure() { awk '$1 == "some" { sub("avg60=", "", $3); print $3 "%" }' /proc/pressure/cpu 2>/dev/null || echo n/a; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure $(pressure)"

# ---- the loads ----
# Cumulative counts of a route's requests handled within 0.5, 1, 2.5, 5 ms and in all, by the server's
# own timer (guanxi_http_request_seconds: from the parsed request to the response, before writing it).
server_hist() {  # route
  curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v r="route=\"$1\"" '
    index($0, "guanxi_http_request_seconds_bucket{" r ",") == 1 {
      le = $1; sub(/.*le="/, "", le); sub(/".*/, "", le); c[le] = $2 }
    END { printf "%d %d %d %d %d\n", c["5e-04"], c["0.001"], c["0.0025"], c["0.005"], c["+Inf"] }'
}
wrk_once() {  # name route threads connections url [wrk options]
  local name=$1 route=$2 threads=$3 conns=$4 url=$5
  shift 5
  echo "== $name: wrk -t$threads -c$conns -d${DURATION}s --latency ${url#http://127.0.0.1:$PORT}"
  timeout $((WARMUP + 30)) wrk -t"$threads" -c"$conns" -d"${WARMUP}s" "$@" "$url" >/dev/null
  local before after cpu0 cpu1
  before=$(server_hist "$route")
  cpu0=$(server_cpu)
  LOAD_NAME=$name timeout $((DURATION + 30)) /usr/bin/time -o "$RUN_DIR/wrk.cpu" -f "%U %S" \
    wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s bench/load/report.lua "$@" "$url" | tee "$RUN_DIR/wrk.txt"
  cpu1=$(server_cpu)
  after=$(server_hist "$route")
  # The RESULT line, with the share of this run's requests the server handled within 1 and 2.5 ms, and
  # the CPU time per request of the server and of wrk (user + system, from /proc and time(1)).
  awk -v b="$before" -v a="$after" -v cpu="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v w="$(tail -1 "$RUN_DIR/wrk.cpu")" '
    BEGIN { split(b, x, " "); split(a, y, " "); n = y[5] - x[5]; split(w, wc, " ") }
    /^RESULT/ {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "requests") r = kv[2] }
      if (n > 0) printf "%s srv_le1=%.2f srv_le2_5=%.2f srv_cpu_us=%.0f wrk_cpu_us=%.0f\n", $0,
        100 * (y[2] - x[2]) / n, 100 * (y[3] - x[3]) / n, 1e6 * cpu / hz / r, 1e6 * (wc[1] + wc[2]) / r
      else print }' \
    "$RUN_DIR/wrk.txt" >> "$OUT"
}
# Each read load twice: saturated ($WRK_CONNECTIONS connections: throughput, and latency that is mostly
# queueing) and light ($LIGHT_CONNECTIONS connections, one request at a time per server thread: the
# latency of a request that does not wait behind others).
run_wrk() {  # name route path [bearer token]
  local name=$1 route=$2 path=$3 auth=()
  [[ $# -ge 4 ]] && auth=(-H "Authorization: Bearer $4")
  wrk_once "$name" "$route" "$WRK_THREADS" "$WRK_CONNECTIONS" "http://127.0.0.1:$PORT$path" "${auth[@]}"
  wrk_once "$name@$LIGHT_CONNECTIONS" "$route" 1 "$LIGHT_CONNECTIONS" "http://127.0.0.1:$PORT$path" "${auth[@]}"
}
server_cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }  # clock ticks, all threads
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
writer_metrics() {
  local m
  for m in guanxi_commit_batch_size_count guanxi_commit_batch_size_sum guanxi_apply_seconds_sum guanxi_commit_write_seconds_sum \
           guanxi_commit_fsync_seconds_sum guanxi_commit_fsync_seconds_count guanxi_wal_frames_total; do
    v=$(metric $m)
    printf '%s ' "${v:-0}"  # no fsync metrics on PostgreSQL: its COMMIT is the sync
  done
}
for load in $LOADS; do
  case $load in
    healthz) run_wrk healthz /healthz /healthz ;;
    products) run_wrk products /api/v1/products '/api/v1/products?limit=20' ;;
    products_p3) run_wrk products_p3 /api/v1/products '/api/v1/products?limit=20&after=40' ;;
    team) run_wrk team /api/v1/me/team /api/v1/me/team "$TEAM_TOKEN" ;;
    team_members) run_wrk team_members /api/v1/me/team/members '/api/v1/me/team/members?limit=20' "$TEAM_TOKEN" ;;
    order_flow|order_flow2)
      flags=()
      [[ $load == order_flow2 ]] && flags=(--pay-at-create)
      for conns in $FLOW_CONNECTIONS; do
        echo "== $load@$conns: load_order_flow ${flags[*]} --connections $conns --duration $DURATION (after ${WARMUP} s warm-up)"
        before=$(writer_metrics)
        cpu0=$(server_cpu)
        timeout $((DURATION + WARMUP + 60)) /usr/bin/time -o "$RUN_DIR/flow.cpu" -f "%U %S" \
          "$FLOW" --port "$PORT" --tokens "$SEED_DIR/buyers.tokens" --secret "$SECRET" \
          "${flags[@]}" --connections "$conns" --duration "$DURATION" --warmup "$WARMUP" | tee "$RUN_DIR/flow.txt"
        cpu1=$(server_cpu)
        # Server and driver CPU per paid order (warm-up included in both the CPU and the count of
        # orders: the paid orders of the warm-up are estimated at the measured rate).
        awk -v c="$conns" -v name="$load" -v cpu="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v w="$(tail -1 "$RUN_DIR/flow.cpu")" \
            -v secs="$((DURATION + WARMUP))" '
          BEGIN { split(w, wc, " ") }
          /^RESULT/ {
            for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "paid_per_s") p = kv[2] * secs }
            sub(/^RESULT order_flow /, "RESULT " name "@" c " ")
            if (p > 0) printf "%s srv_cpu_us=%.0f drv_cpu_us=%.0f\n", $0, 1e6 * cpu / hz / p, 1e6 * (wc[1] + wc[2]) / p
            else print }' "$RUN_DIR/flow.txt" >> "$OUT"
        # The writer thread's own account (Shop::RunBatch metrics), warm-up included: batches, jobs per
        # batch, time applying the jobs and in COMMIT (writing the WAL) per batch, the writer's busy share;
        # and the syncer's: fdatasyncs of the WAL (each covers every batch committed before it) and their
        # mean time; and the WAL frames (pages) written per paid order (2 or 3 jobs each).
        read -r -a b <<< "$before"
        read -r -a a <<< "$(writer_metrics)"
        d() { awk -v x="${a[$1]}" -v y="${b[$1]}" 'BEGIN { print x - y }'; }
        awk -v n="$(d 0)" -v jobs="$(d 1)" -v apply="$(d 2)" -v commit="$(d 3)" -v fsync="$(d 4)" -v syncs="$(d 5)" -v frames="$(d 6)" \
            -v per_order="$([[ $load == order_flow2 ]] && echo 2 || echo 3)" -v secs="$((DURATION + WARMUP))" -v c="$load@$conns" '
          BEGIN { if (n > 0) printf "WRITER %s batches=%d jobs_per_batch=%.1f apply_ms=%.2f apply_us_per_job=%.0f commit_ms=%.2f busy_pct=%.0f fsyncs=%d fsync_ms=%.2f frames_per_order=%.1f\n", c, n, jobs / n, 1000 * apply / n, 1e6 * apply / jobs, 1000 * commit / n, 100 * (apply + commit) / secs, syncs, (syncs > 0 ? 1000 * fsync / syncs : 0), frames * per_order / jobs }' | tee -a "$OUT"
      done
      ;;
    *) echo "run.sh: unknown load $load" >&2; exit 2 ;;
  esac
done
RSS_END=$(rss VmRSS)
RSS_PEAK=$(rss VmHWM)
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg), CPU pressure $(pressure)"
stop_server
trap - EXIT

# ---- the table ----
echo
echo "guanxi serve on $STORE, $MEMBERS members ($TEAM below the team head, $PAID_PERCENT% paid), $(nproc) cores shared by server and load"
echo "$REBUILD; server RSS: $RSS_START after start, $RSS_END at the end, $RSS_PEAK peak; load average at the end $LOADAVG"
printf '%-16s %12s %9s %9s %9s %s\n' load "requests/s" "p50 ms" "p99 ms" "max ms" notes
awk '
  $1 == "RESULT" {
    delete f
    for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    if ($2 ~ /^order_flow/) {
      c = $2; sub(/^[^@]*@/, "", c)
      two = $2 ~ /^order_flow2@/
      split(two ? "create+pay - notify" : "create pay notify", step, " ")
      for (k = 0; k < 3; k++)
        if (step[k + 1] != "-")
          printf "%-16s %12.0f %9.2f %9.2f %9.2f %s\n", "order " step[k + 1] "@" c, f["paid_per_s"], f["s" k "_p50"], f["s" k "_p99"], f["s" k "_max"], (k == 0 ? "errors " f["errors"] : "")
      printf "%-16s %12.0f %9.2f %9.2f %9.2f paid orders/s (%s, fsync'"'"'d); CPU µs/paid order: server %s, driver %s\n", (two ? "paid orders2@" : "paid orders@") c, f["paid_per_s"], f["s3_p50"], f["s3_p99"], f["s3_max"], (two ? "create+pay → notify" : "create → pay → notify"), f["srv_cpu_us"], f["drv_cpu_us"]
    } else {
      printf "%-16s %12.0f %9.2f %9.2f %9.2f errors %s; server: %s%% within 1 ms, %s%% within 2.5 ms; CPU µs/request: server %s, wrk %s\n", $2, f["rps"], f["p50"], f["p99"], f["max"], f["errors"], f["srv_le1"], f["srv_le2_5"], f["srv_cpu_us"], f["wrk_cpu_us"]
    }
  }
  $1 == "WRITER" {
    delete f
    for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    writer = writer sprintf("  %s: %d batches of %.1f jobs; per batch %.2f ms applying (%.0f µs a job) + %.2f ms COMMIT; writer busy %.0f%%; %.1f WAL pages written per paid order\n", $2, f["batches"], f["jobs_per_batch"], f["apply_ms"], f["apply_us_per_job"], f["commit_ms"], f["busy_pct"], f["frames_per_order"])
  }
  END { if (writer != "") printf "writer thread (its metrics, warm-up included):\n%s", writer }' "$OUT"
