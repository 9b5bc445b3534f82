#!/usr/bin/env bash
# Side-by-side benchmark: the same mqtt-bench scenarios, one after the other on this machine,
# against (a) this gateway in standalone mode, (b) Mosquitto from the OS packages, (c) HiveMQ CE
# embedded from its Maven artifact, (d) apache/rocketmq-mqtt where a build is at hand; then
# writes docs/benchmarks.md and the latency plot next to it, and the headline ratios to
# Mosquitto that bench/guard.sh checks later (bench/baseline.json).
#
# Every server binds 127.0.0.1 on a free port; every process started here is stopped on exit.
# Each server is started twice: once for the first minute after start (JIT, no warm-up), then
# afresh for everything else (idle, connects, a warm-up, the message scenarios).
#
# Environment (all optional):
#   DURATION=15s WARMUP=5s      measured time and warm-up of each message scenario
#   SERVERS="gateway mosquitto hivemq rocketmq-mqtt"   which servers, in this order
#   ONLY="name ..."             run only these scenarios (names as in the report, e.g.
#                               "warmup pubsub-qos1-max"); default: all
#   COLD_DURATION=60s           the first-minute run on a freshly started server
#   IDLE_DURATION=30s IDLE_SETTLE=60s   idle window, after this long with no clients since start (the
#                               first minute, JIT and start-up pools winding down, is the cold row's)
#   MANY_DEVICES=10000          publishers (1 msg/s each) and as many subscribers of the many-devices row;
#                               capped to what the open files limit allows (the row says so)
#   MANY_DEVICES_SHAPE=device   device: one connection per device that publishes and subscribes
#                               (mqtt-bench pubsub --devices); pair: a publisher and a subscriber client
#   FANOUT_SUBSCRIBERS=10000    subscribers of the fan-out scenario
#   CONNECTIONS=10000           idle connections of the conn scenario (needs ulimit -n above it)
#   HIVEMQ_PERSISTENCE=file     HiveMQ CE persistence mode: file (its default) or in-memory
#   GATEWAY_HOME=distribution/target/rocketmq-mqtt   the unpacked gateway distribution
#   GATEWAY_ARGS="..."          extra arguments for bin/mqtt-standalone
#   GATEWAY_NAMESRV=host:port   name server for the backend scenarios; default: the standalone's own
#   BASELINE_TOPIC=bench_storage  RocketMQ topic of the storage baseline (created via topic.rules)
#   GATEWAY_METRICS_URL=url     the gateway's Prometheus endpoint (heap per connection); else jcmd
#   RMQ_MQTT_CMD="..."          a command that starts an apache/rocketmq-mqtt build on $PORT (see below)
#   PROFILE=1                   record JFR on JVM servers during the QoS 1 max-rate scenario
#   OUT=docs/benchmarks.md      where the report goes
#   RATIOS_OUT=file             where the headline ratios go (default: bench/baseline.json when OUT
#                               is docs/benchmarks.md, else next to OUT as *.ratios.json)
#   KEEP=1                      keep the work directory (logs, JSON) after the run
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
SERVERS=${SERVERS:-"gateway mosquitto hivemq rocketmq-mqtt"}
FANOUT_SUBSCRIBERS=${FANOUT_SUBSCRIBERS:-10000}
CONNECTIONS=${CONNECTIONS:-10000}
GATEWAY_HOME=${GATEWAY_HOME:-$ROOT/distribution/target/rocketmq-mqtt}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
if [ "$(readlink -f "$OUT" 2>/dev/null || echo "$OUT")" = "$ROOT/docs/benchmarks.md" ]; then
  RATIOS_OUT=${RATIOS_OUT:-$ROOT/bench/baseline.json}
else
  RATIOS_OUT=${RATIOS_OUT:-${OUT%.md}.ratios.json}
fi
ONLY=${ONLY:-}
COLD_DURATION=${COLD_DURATION:-60s}
IDLE_DURATION=${IDLE_DURATION:-30s}
IDLE_SETTLE=${IDLE_SETTLE:-60s}
MANY_DEVICES=${MANY_DEVICES:-10000}
MANY_DEVICES_SHAPE=${MANY_DEVICES_SHAPE:-device}
BASELINE_TOPIC=${BASELINE_TOPIC:-bench_storage}
PROFILE=${PROFILE:-0}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-"-Xms512m -Xmx2g"}

WORK=$(mktemp -d /tmp/mqtt-compare.XXXXXX)
RESULTS=$WORK/results
mkdir -p "$RESULTS" "$WORK/logs"
STARTED_PIDS=()

log() { printf '%s compare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && stop_pid "$pid"
  done
  true
  if [ "${KEEP:-0}" = 1 ]; then
    log "logs and JSON kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to 30 s for a process to end after SIGTERM, then kills it; either way it is forgotten,
# so the exit trap never signals a pid that the system may have given to someone else since.
stop_pid() {
  local pid=$1 i kept=()
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  for i in "${STARTED_PIDS[@]:-}"; do
    [ -n "$i" ] && [ "$i" != "$pid" ] && kept+=("$i")
  done
  STARTED_PIDS=("${kept[@]:-}")
  return 0
}

# Sends SIGTERM to every PID given, then stops each as stop_pid does.
term_and_stop() {
  kill -TERM "$@" 2>/dev/null || true
  local pid
  for pid in "$@"; do
    stop_pid "$pid"
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until something accepts TCP connections on 127.0.0.1:$1, at most $2 seconds, and gives up
# early when process $3 (the server being started) has exited.
wait_port() {
  local port=$1 limit=$2 pid=$3 i
  for i in $(seq 1 "$limit"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

# The line of a server log that says why it did not start: the last ERROR line, else the last
# exception or error message (not its "Caused by" tail), else the last line.
why_not() {
  { grep -E ' ERROR ' "$1" | tail -1; grep -E 'Exception|rror:' "$1" | grep -v '^Caused by' | tail -1; tail -1 "$1"; } 2>/dev/null \
    | head -1 | cut -c1-400 | tr '|' '/'
}

# The pid of the process listening on 127.0.0.1:$1 (the JVM, even when a script started it).
listener_pid() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# ---------------------------------------------------------------- the benchmark tool
BENCH_JAR=$(ls "$ROOT"/mqtt-bench/target/mqtt-bench-*.jar 2>/dev/null | grep -v -- '-tests' | head -1 || true)
if [ -z "$BENCH_JAR" ] || [ ! -d "$ROOT/mqtt-bench/target/lib" ]; then
  log "building mqtt-bench"
  (cd "$ROOT" && mvn -B -q -pl mqtt-bench -am package -DskipTests)
  BENCH_JAR=$(ls "$ROOT"/mqtt-bench/target/mqtt-bench-*.jar | head -1)
fi

# Idle connections need file descriptors in the benchmark and in the servers it starts.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)

# The many-devices row needs a file descriptor per client in mqtt-bench and in the server (each
# process has this limit): one per device, or two with a publisher and a subscriber per device.
# The gateway's broker needs one more per topic with file consume queues (the consume-queue file
# of the topic's LMQ), none with RocksDB. Plus 512 for the rest. Beyond that the row runs with
# fewer devices, rounded down to hundreds, the same number for every server, and its title says why.
case $MANY_DEVICES_SHAPE in
  device) MANY_DEVICES_CLIENTS=1; MANY_DEVICES_ARGS="--devices"; MANY_DEVICES_WHAT="devices, each publishing at 1 msg/s and subscribed to another device's topic over one connection" ;;
  pair) MANY_DEVICES_CLIENTS=2; MANY_DEVICES_ARGS=""; MANY_DEVICES_WHAT="publishers at 1 msg/s each -> as many subscribers, one topic per pair" ;;
  *) log "MANY_DEVICES_SHAPE must be device or pair, not '$MANY_DEVICES_SHAPE'"; exit 2 ;;
esac
MANY_DEVICES_FDS=$MANY_DEVICES_CLIENTS
case " $SERVERS :: ${GATEWAY_ARGS:-} " in
  *" gateway "*"::"*"--rocketmq.embedded.consumeQueue=rocksdb"*) ;;
  *" gateway "*) MANY_DEVICES_FDS=$((MANY_DEVICES_CLIENTS + 1)) ;;
esac
MANY_DEVICES_ASKED=$MANY_DEVICES
MANY_DEVICES_FIT=$(( (FD_LIMIT - 512) / MANY_DEVICES_FDS / 100 * 100 ))
MANY_DEVICES_NOTE=""
if [ "$MANY_DEVICES" -gt "$MANY_DEVICES_FIT" ] && [ "$MANY_DEVICES_FIT" -ge 100 ]; then
  MANY_DEVICES=$MANY_DEVICES_FIT
  MANY_DEVICES_NOTE=" (capped from $MANY_DEVICES_ASKED: open files limit $FD_LIMIT, hard limit $(ulimit -Hn), allows $MANY_DEVICES_FIT)"
fi

# ---------------------------------------------------------------- the scenarios
# name|what it shows|mqtt-bench arguments. The same list for every server, in this order: idle
# first, on the freshly started server with no client yet; conn next, so its memory baseline holds
# no state of earlier scenarios; then the other connect scenarios; then an unrecorded warm-up
# (JIT-compiled servers are not measured cold); then the message runs. Each conn scenario ends by
# closing all its clients at once and timing 10 new clients' CONNECT to CONNACK, one every 100 ms
# from the close on. The first-minute run (COLD_SCENARIO) has a server started only for it.
COLD_SCENARIO="pubsub-qos1-1k-cold|QoS 1, 1 -> 1 at 1,000 msg/s for the first $COLD_DURATION after start (JIT), no warm-up|pubsub --qos 1 -P 1 -S 1 --rate 1000 --payload 64 --warmup 0s --duration $COLD_DURATION"
SCENARIOS=(
  "idle|no clients: cores and threads over $IDLE_DURATION, $IDLE_SETTLE after start|idle --duration $IDLE_DURATION"
  "conn|$CONNECTIONS idle connections at 1,000/s, held 15 s, then dropped at once (no DISCONNECT)|conn --connections $CONNECTIONS --connect-rate 1000 --connect-timeout 60s --hold 15s --close drop --probes 10"
  "conn-max|$CONNECTIONS clean-session connects as fast as accepted (2,000 handshakes in flight)|conn --connections $CONNECTIONS --connect-rate 100000 --connect-timeout 60s --hold 5s --probes 10"
  "conn-persistent|$CONNECTIONS persistent-session (CleanSession=0) connects as fast as accepted|conn --connections $CONNECTIONS --persistent --connect-rate 100000 --connect-timeout 60s --hold 5s --close drop --probes 10"
  "warmup|not reported: warms the server up|pubsub --qos 1 -P 2 -S 2 -T 2 --rate max --payload 64 --warmup 0s --duration 20s"
  "pubsub-qos1-max|QoS 1, 1 -> 1, as fast as delivered end to end|pubsub --qos 1 -P 1 -S 1 --rate max --payload 64 --warmup $WARMUP --duration $DURATION"
  "pubsub-qos1-1k|QoS 1, 1 -> 1 at 1,000 msg/s: latency|pubsub --qos 1 -P 1 -S 1 --rate 1000 --payload 64 --warmup $WARMUP --duration $DURATION"
  "pubsub-qos0-4x4|QoS 0, 4 -> 4 over 4 topics, as fast as delivered|pubsub --qos 0 -P 4 -S 4 -T 4 --rate max --payload 64 --warmup $WARMUP --duration $DURATION"
  "fanout-qos1|QoS 1, 1 -> $FANOUT_SUBSCRIBERS subscribers of one topic at 2 msg/s|fanout --qos 1 -S $FANOUT_SUBSCRIBERS --rate 2 --payload 64 --connect-rate 1000 --connect-timeout 60s --warmup $WARMUP --duration $DURATION"
  "many-devices|QoS 1, $MANY_DEVICES $MANY_DEVICES_WHAT$MANY_DEVICES_NOTE|pubsub $MANY_DEVICES_ARGS --qos 1 -P $MANY_DEVICES -S $MANY_DEVICES -T $MANY_DEVICES --rate $MANY_DEVICES --payload 64 --connect-rate 1000 --connect-timeout 60s --warmup $WARMUP --duration $DURATION"
)
{ echo "$COLD_SCENARIO"; printf '%s\n' "${SCENARIOS[@]}"; } > "$WORK/scenarios.txt"
: > "$WORK/commands.txt"
: > "$WORK/servers.txt"

# selected NAME: whether ONLY (if set) names this scenario.
selected() {
  [ -z "$ONLY" ] && return 0
  case " $ONLY " in *" $1 "*) return 0 ;; esac
  return 1
}

# skip_json FILE REASON: a scenario that could not run here, with why, for the report.
skip_json() {
  python3 -c 'import json, sys; json.dump({"skipped": sys.argv[2]}, open(sys.argv[1], "w"))' "$1" "$2"
}

# error_json FILE ERRFILE: a failed mqtt-bench run for the report: the last lines of its stderr
# that are not stack frames (mqtt-bench's own message, or the exception and its causes).
error_json() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
lines = open(sys.argv[2], errors="replace").read().strip().splitlines()
said = [l.strip() for l in lines if l.strip() and not re.match(r"\s+(at |\.\.\. \d+ more)", l)]
json.dump({"error": " ".join(said[-3:]) or "no output"}, open(sys.argv[1], "w"))
PY
}

# many_devices_fits: whether this shell may open the file descriptors the many-devices row needs
# (see MANY_DEVICES_FIT above); false only when not even 100 devices fit.
many_devices_fits() {
  local need=$((MANY_DEVICES_FDS * MANY_DEVICES + 512))
  [ "$FD_LIMIT" -ge "$need" ] && return 0
  MANY_DEVICES_WHY="needs ulimit -n of at least $need (a socket per client in mqtt-bench and in the server, a file per topic in the gateway's broker with file consume queues), this shell has $FD_LIMIT (hard limit $(ulimit -Hn)); raise it"
  return 1
}

# run_one SERVER PORT PID ENTRY: one scenario against one running server.
run_one() {
  local server=$1 port=$2 pid=$3 entry=$4 name args json extra
  name=${entry%%|*}
  args=${entry##*|}
  json=$RESULTS/$server--$name.json
  [ "$name" = warmup ] && json=$WORK/logs/$server--warmup.json
  if [ "$name" = many-devices ] && ! many_devices_fits; then
    log "$server: $name skipped: $MANY_DEVICES_WHY"
    skip_json "$json" "$MANY_DEVICES_WHY"
    return
  fi
  extra=""
  if [ "$name" = conn ] && [ -n "${GATEWAY_METRICS_URL:-}" ] && [ "$server" = gateway ]; then
    extra="--metrics-url $GATEWAY_METRICS_URL"
  fi
  if [ "$name" = idle ]; then
    # No clients at all: idle only samples the server's /proc files.
    log "$server: idle (after $IDLE_SETTLE with no clients)"
    sleep "$IDLE_SETTLE"
    echo "$server|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar $args --server-pid PID --label $server --json FILE" >> "$WORK/commands.txt"
    # shellcheck disable=SC2086
    run_bench "$WORK/logs/$server--$name" $args --server-pid "$pid" --label "$server" --json "$json" \
      || log "$server: idle failed: $(tail -3 "$WORK/logs/$server--$name.err" | tr '\n' ' ')"
    return
  fi
  log "$server: $name"
  [ "$name" = warmup ] || echo "$server|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar $args --host 127.0.0.1 --port PORT --server-pid PID $extra --label $server --json FILE" >> "$WORK/commands.txt"
  if [ "$PROFILE" = 1 ] && [ "$name" = pubsub-qos1-max ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null | xargs -r basename)" = java ]; then
    jcmd "$pid" JFR.start name=compare settings=profile filename="$WORK/$server.jfr" >/dev/null 2>&1 || log "$server: JFR did not start"
  fi
  # shellcheck disable=SC2086
  if ! run_bench "$WORK/logs/$server--$name" $args --host 127.0.0.1 --port "$port" \
      --server-pid "$pid" $extra --label "$server" --quiet --json "$json"; then
    error_json "$json" "$WORK/logs/$server--$name.err"
    log "$server: $name failed: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["error"])' "$json")"
  fi
  case $name in
    conn*|fanout-qos1|many-devices) wait_recovered "$server" "$port" "$name" ;;
  esac
  if [ "$PROFILE" = 1 ] && [ "$name" = pubsub-qos1-max ] && [ -n "$(jcmd "$pid" JFR.check 2>/dev/null | grep -o compare)" ]; then
    jcmd "$pid" JFR.stop name=compare >/dev/null 2>&1 || true
    [ -f "$WORK/$server.jfr" ] && python3 "$ROOT/bench/jfr_top.py" "$WORK/$server.jfr" > "$RESULTS/$server--profile.txt" || true
  fi
}

# run_scenarios SERVER PORT PID: every selected scenario of the list against one running server.
run_scenarios() {
  local entry
  for entry in "${SCENARIOS[@]}"; do
    selected "${entry%%|*}" && run_one "$1" "$2" "$3" "$entry"
  done
  true
}

# After a scenario closed 10,000 connections at once, some servers need a while before they accept
# new clients again: measure how long (at most 180 s), and keep it out of the next scenario.
wait_recovered() {
  local server=$1 port=$2 after=$3 start=$SECONDS ok=false
  while [ $((SECONDS - start)) -lt 180 ]; do
    if run_bench "$WORK/logs/$server--probe" conn --connections 1 --hold 0s --connect-timeout 5s \
        --host 127.0.0.1 --port "$port" --quiet; then
      ok=true
      break
    fi
    sleep 2
  done
  echo "{\"seconds\": $((SECONDS - start)), \"ok\": $ok}" > "$RESULTS/$server--recovery-$after.json"
  [ "$ok" = true ] || log "$server: still refusing new clients 180 s after $after"
}

# run_bench LOGPREFIX ARGS...: one mqtt-bench run, bounded to 15 minutes, stdout and stderr to
# LOGPREFIX.out/.err. In the background with a wait, so a TERM to this script stops it at once
# (bash runs traps only between foreground commands) and the exit trap stops the run too.
run_bench() {
  local logs=$1 pid status=0
  shift
  # shellcheck disable=SC2086
  timeout --kill-after=10 900 java $BENCH_JAVA_OPTS -jar "$BENCH_JAR" "$@" > "$logs.out" 2> "$logs.err" &
  pid=$!
  STARTED_PIDS+=("$pid")
  wait "$pid" || status=$?
  stop_pid "$pid"
  return "$status"
}

# finish SERVER STATUS NOTE: one line per server for the report.
finish() { echo "$1|$2|$3" >> "$WORK/servers.txt"; }

# ---------------------------------------------------------------- starting and stopping servers
# start_SERVER N: starts the server (the N-th time in this run) and sets SRV_PORT, SRV_PID (the
# process to measure) and SRV_STOP (every process to stop); or calls finish with why not and
# returns 1. SRV_NOTE says how it ran, for the report.
SRV_PORT="" SRV_PID="" SRV_STOP="" SRV_NOTE=""

start_gateway() {
  local start=$GATEWAY_HOME/bin/mqtt-standalone dir launcher rules=""
  if [ ! -x "$start" ]; then
    log "gateway: $start not found; build it with 'mvn -pl distribution -am package' (skipped)"
    finish gateway skipped "not built yet: $start did not exist when this report was made"
    return 1
  fi
  SRV_PORT=$(free_port)
  dir=$WORK/gateway-data-$1
  mkdir -p "$dir"
  # The standalone's embedded name server, broker and notify listener get free ports too, so the
  # run collides neither with a RocketMQ on the default ports nor with a test suite's gateway.
  local nsport brokerport notifyport
  nsport=$(free_port)
  brokerport=$(free_port)
  notifyport=$(free_port)
  GATEWAY_NS=${GATEWAY_NAMESRV:-127.0.0.1:$nsport}
  # The storage baseline's topic exists only if a topic rule names it (the broker creates no
  # topics on demand); no MQTT client publishes below bench-storage/, so the rule maps nothing else.
  case " ${GATEWAY_ARGS:-} " in
    *" --topic.rules="*) ;;
    *) rules="--topic.rules=bench-storage/#=$BASELINE_TOPIC" ;;
  esac
  # Without limits.maxConnections the gateway takes what the open-files limit leaves beside its
  # broker's queue files (half of it with file consume queues); the many-devices row needs its
  # connections, as Mosquitto and HiveMQ get them: the gateway WARNs at start if that is more.
  case " ${GATEWAY_ARGS:-} " in
    *" --limits.maxConnections="*) ;;
    *) rules="$rules --limits.maxConnections=$((MANY_DEVICES_CLIENTS * MANY_DEVICES + 1000))" ;;
  esac
  # shellcheck disable=SC2086
  "$start" --mqtt.host=127.0.0.1 --mqtt.port="$SRV_PORT" --data.dir="$dir" \
    --rocketmq.embedded.namesrvPort="$nsport" --rocketmq.embedded.brokerPort="$brokerport" \
    --notify.port="$notifyport" $rules ${GATEWAY_ARGS:-} > "$WORK/logs/gateway-$1.log" 2>&1 &
  launcher=$!
  STARTED_PIDS+=("$launcher")
  if ! wait_port "$SRV_PORT" 180 "$launcher"; then
    log "gateway: not listening on $SRV_PORT; see $WORK/logs/gateway-$1.log"
    finish gateway failed "built, but did not start listening: $(why_not "$WORK/logs/gateway-$1.log")"
    term_and_stop "$launcher"
    return 1
  fi
  SRV_PID=$(listener_pid "$SRV_PORT")
  SRV_PID=${SRV_PID:-$launcher}
  [ "$SRV_PID" != "$launcher" ] && STARTED_PIDS+=("$SRV_PID")
  SRV_STOP="$launcher $SRV_PID"
  SRV_NOTE="bin/mqtt-standalone --mqtt.host=127.0.0.1 --mqtt.port=PORT --data.dir=DIR --rocketmq.embedded.namesrvPort=P1 --rocketmq.embedded.brokerPort=P2 --notify.port=P3 $rules ${GATEWAY_ARGS:-} (conf/standalone.properties otherwise)"
}

start_mosquitto() {
  local dir
  if ! command -v mosquitto >/dev/null; then
    log "mosquitto: not installed; apt-get install -y mosquitto (skipped)"
    finish mosquitto skipped "not installed (apt-get install -y mosquitto)"
    return 1
  fi
  SRV_PORT=$(free_port)
  dir=$WORK/mosquitto-$1
  mkdir -p "$dir"
  # Defaults otherwise: in-memory, max_inflight_messages 20, max_queued_messages 1000 per client.
  cat > "$dir/mosquitto.conf" <<CONF
listener $SRV_PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest file $dir/mosquitto.log
log_type error
log_type warning
CONF
  mosquitto -c "$dir/mosquitto.conf" > "$WORK/logs/mosquitto-$1.out" 2>&1 &
  SRV_PID=$!
  STARTED_PIDS+=("$SRV_PID")
  SRV_STOP=$SRV_PID
  if ! wait_port "$SRV_PORT" 30 "$SRV_PID"; then
    finish mosquitto failed "did not start listening: $(why_not "$WORK/logs/mosquitto-$1.out")"
    term_and_stop "$SRV_PID"
    return 1
  fi
  SRV_NOTE="$(sed 's/listener [0-9]*/listener PORT/' "$dir/mosquitto.conf" | grep -v log_ | paste -sd ';' | sed 's/;/; /g')"
}

start_hivemq() {
  local dir launcher=$ROOT/bench/hivemq i
  if [ ! -f "$launcher/target/classpath.txt" ] || [ ! -d "$launcher/target/classes" ]; then
    log "hivemq: building the launcher (resolves com.hivemq:hivemq-community-edition-embedded)"
    if ! mvn -B -q -f "$launcher/pom.xml" package > "$WORK/logs/hivemq-build.log" 2>&1; then
      finish hivemq failed "launcher did not build: $(tail -3 "$WORK/logs/hivemq-build.log" | tr '\n' ' ')"
      return 1
    fi
  fi
  SRV_PORT=$(free_port)
  dir=$WORK/hivemq-$1
  # shellcheck disable=SC2086
  java ${HIVEMQ_JAVA_OPTS:-} -cp "$launcher/target/classes:$(cat "$launcher/target/classpath.txt")" \
    org.rmqtt.bench.hivemq.HiveMqLauncher "$SRV_PORT" "$dir" "${HIVEMQ_PERSISTENCE:-file}" > "$WORK/logs/hivemq-$1.log" 2>&1 &
  SRV_PID=$!
  STARTED_PIDS+=("$SRV_PID")
  SRV_STOP=$SRV_PID
  for i in $(seq 1 180); do
    grep -q 'HIVEMQ READY' "$WORK/logs/hivemq-$1.log" 2>/dev/null && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 1
  done
  if ! grep -q 'HIVEMQ READY' "$WORK/logs/hivemq-$1.log"; then
    finish hivemq failed "did not start: $(why_not "$WORK/logs/hivemq-$1.log")"
    term_and_stop "$SRV_PID"
    return 1
  fi
  SRV_NOTE="embedded from com.hivemq:hivemq-community-edition-embedded via bench/hivemq; persistence ${HIVEMQ_PERSISTENCE:-file}, max-queue-size 1000000, JVM defaults ${HIVEMQ_JAVA_OPTS:-}"
}

start_rocketmq_mqtt() {
  # It is not published to any Maven registry; it needs its source tree built with Maven plus a
  # RocketMQ name server and broker of its own. Run it only when someone hands us a start command.
  local launcher
  if [ -z "${RMQ_MQTT_CMD:-}" ]; then
    log "rocketmq-mqtt: no build at hand (skipped; set RMQ_MQTT_CMD to include it)"
    finish rocketmq-mqtt skipped "not published to Maven Central or any registry this machine can reach; it must be built from its source tree, which is not on this machine, and needs its own RocketMQ namesrv + broker and wildcard pre-registration. Set RMQ_MQTT_CMD to a command that starts a build on \$PORT to include it."
    return 1
  fi
  SRV_PORT=$(free_port)
  PORT=$SRV_PORT bash -c "$RMQ_MQTT_CMD" > "$WORK/logs/rocketmq-mqtt-$1.log" 2>&1 &
  launcher=$!
  STARTED_PIDS+=("$launcher")
  if ! wait_port "$SRV_PORT" 180 "$launcher"; then
    finish rocketmq-mqtt failed "did not start listening: $(why_not "$WORK/logs/rocketmq-mqtt-$1.log")"
    term_and_stop "$launcher"
    return 1
  fi
  SRV_PID=$(listener_pid "$SRV_PORT")
  SRV_PID=${SRV_PID:-$launcher}
  [ "$SRV_PID" != "$launcher" ] && STARTED_PIDS+=("$SRV_PID")
  SRV_STOP="$launcher $SRV_PID"
  SRV_NOTE="RMQ_MQTT_CMD=$RMQ_MQTT_CMD"
}

# gateway_extras PORT PID: the RocketMQ paths through the gateway, then RocketMQ alone on the
# standalone's own broker (no MQTT): what the storage delivers by itself, at the max rate.
gateway_extras() {
  local port=$1 pid=$2 json
  if selected backend; then
    log "gateway: backend"
    json=$RESULTS/gateway--backend.json
    echo "gateway|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar backend --namesrv $GATEWAY_NS --qos 1 --rate 1000 --warmup $WARMUP --duration $DURATION --host 127.0.0.1 --port PORT --server-pid PID --json FILE" >> "$WORK/commands.txt"
    run_bench "$WORK/logs/gateway--backend" backend --namesrv "$GATEWAY_NS" --qos 1 \
      --rate 1000 --warmup "$WARMUP" --duration "$DURATION" --host 127.0.0.1 --port "$port" --server-pid "$pid" \
      --quiet --json "$json" || log "gateway: backend failed: $(tail -3 "$WORK/logs/gateway--backend.err" | tr '\n' ' ')"
  fi
  if selected baseline-storage; then
    log "gateway: baseline-storage"
    json=$RESULTS/gateway--baseline-storage.json
    echo "gateway|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar backend --direction storage --namesrv $GATEWAY_NS --topic $BASELINE_TOPIC --rate max --payload 64 --warmup $WARMUP --duration $DURATION --server-pid PID --json FILE" >> "$WORK/commands.txt"
    if ! run_bench "$WORK/logs/gateway--baseline-storage" backend --direction storage --namesrv "$GATEWAY_NS" \
        --topic "$BASELINE_TOPIC" --rate max --payload 64 --warmup "$WARMUP" --duration "$DURATION" \
        --server-pid "$pid" --quiet --json "$json"; then
      error_json "$json" "$WORK/logs/gateway--baseline-storage.err"
      log "gateway: baseline-storage failed: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["error"])' "$json")"
    fi
  fi
}

# run_server SERVER: the first minute on a fresh server, then everything else on another fresh one.
run_server() {
  local server=$1 starter=start_${1//-/_} ran=false
  if selected "${COLD_SCENARIO%%|*}"; then
    "$starter" 1 || return 0
    log "$server: pid $SRV_PID on 127.0.0.1:$SRV_PORT (fresh, for the first minute)"
    run_one "$server" "$SRV_PORT" "$SRV_PID" "$COLD_SCENARIO"
    # shellcheck disable=SC2086
    term_and_stop $SRV_STOP
    ran=true
  fi
  local entry wanted=false
  for entry in "${SCENARIOS[@]}"; do
    selected "${entry%%|*}" && wanted=true
  done
  if [ "$server" = gateway ] && { selected backend || selected baseline-storage; }; then
    wanted=true
  fi
  if [ "$wanted" = true ]; then
    "$starter" 2 || return 0
    log "$server: pid $SRV_PID on 127.0.0.1:$SRV_PORT"
    run_scenarios "$server" "$SRV_PORT" "$SRV_PID"
    [ "$server" = gateway ] && gateway_extras "$SRV_PORT" "$SRV_PID"
    # shellcheck disable=SC2086
    term_and_stop $SRV_STOP
    ran=true
  fi
  [ "$ran" = true ] && finish "$server" ran "$SRV_NOTE"
  true
}

# ---------------------------------------------------------------- the machine
{
  echo "date|$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpus|$(nproc)"
  echo "cpu model|$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory|$(free -m | awk '/^Mem:/ {printf "%.1f GiB", $2/1024}')"
  echo "kernel|$(uname -sr)"
  echo "java|$(java -version 2>&1 | head -2 | tail -1)"
  echo "open files limit|$FD_LIMIT"
  if [ -n "$MANY_DEVICES_NOTE" ]; then echo "many-devices|$MANY_DEVICES devices$MANY_DEVICES_NOTE"; fi
  echo "load average before|$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mosquitto|$({ mosquitto -h 2>/dev/null || true; } | head -1 | sed 's/^mosquitto version //')"
  echo "hivemq|$(sed -n 's/.*<hivemq.version>\(.*\)<\/hivemq.version>.*/\1/p' "$ROOT/bench/hivemq/pom.xml") (CE, embedded)"
  echo "gateway|$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' "$ROOT/pom.xml") @ $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
  echo "bench|mqtt-bench $(basename "$BENCH_JAR" .jar | sed 's/mqtt-bench-//'), JVM options $BENCH_JAVA_OPTS"
} > "$WORK/machine.txt"

if selected many-devices && ! many_devices_fits; then
  log "many-devices will be skipped: $MANY_DEVICES_WHY"
elif selected many-devices && [ -n "$MANY_DEVICES_NOTE" ]; then
  log "many-devices runs with $MANY_DEVICES devices$MANY_DEVICES_NOTE"
fi
for server in $SERVERS; do
  case $server in
    gateway|mosquitto|hivemq|rocketmq-mqtt) run_server "$server" ;;
    *) log "unknown server '$server' (gateway, mosquitto, hivemq, rocketmq-mqtt)"; exit 2 ;;
  esac
done
echo "load average after|$(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/machine.txt"

python3 "$ROOT/bench/report.py" --work "$WORK" --out "$OUT" --duration "$DURATION" --warmup "$WARMUP" \
  --findings "$ROOT/bench/findings.md" --ratios-out "$RATIOS_OUT"
log "wrote $OUT and $RATIOS_OUT"
