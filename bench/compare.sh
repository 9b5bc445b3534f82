#!/usr/bin/env bash
# Side-by-side benchmark: the same mqtt-bench scenarios, one after the other on this machine,
# against (a) this gateway in standalone mode, (b) Mosquitto from the OS packages, (c) HiveMQ CE
# embedded from its Maven artifact, (d) apache/rocketmq-mqtt where a build is at hand; then
# writes docs/benchmarks.md and the latency plot next to it.
#
# Every server binds 127.0.0.1 on a free port; every process started here is stopped on exit.
#
# Environment (all optional):
#   DURATION=15s WARMUP=5s      measured time and warm-up of each message scenario
#   SERVERS="gateway mosquitto hivemq rocketmq-mqtt"   which servers, in this order
#   FANOUT_SUBSCRIBERS=10000    subscribers of the fan-out scenario
#   CONNECTIONS=10000           idle connections of the conn scenario (needs ulimit -n above it)
#   HIVEMQ_PERSISTENCE=file     HiveMQ CE persistence mode: file (its default) or in-memory
#   GATEWAY_HOME=distribution/target/rocketmq-mqtt   the unpacked gateway distribution
#   GATEWAY_ARGS="..."          extra arguments for bin/mqtt-standalone
#   GATEWAY_NAMESRV=host:port   name server for the backend scenario; default: the standalone's own
#   GATEWAY_METRICS_URL=url     the gateway's Prometheus endpoint (heap per connection); else jcmd
#   RMQ_MQTT_CMD="..."          a command that starts an apache/rocketmq-mqtt build on $PORT (see below)
#   PROFILE=1                   record JFR on JVM servers during the QoS 1 max-rate scenario
#   OUT=docs/benchmarks.md      where the report goes
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

# The line of a server log that says why it did not start: the last ERROR, else the last line.
why_not() {
  { grep -E 'ERROR|Exception|rror:' "$1" | tail -1; tail -1 "$1"; } 2>/dev/null | head -1 | cut -c1-400 | tr '|' '/'
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

# ---------------------------------------------------------------- the scenarios
# name|what it shows|mqtt-bench arguments. The same list for every server, in this order: conn
# first, on the freshly started server, so its memory baseline holds no state of earlier scenarios;
# then the other connect scenarios; then an unrecorded warm-up (JIT-compiled servers are not
# measured cold); then the message runs. Each conn scenario ends by closing all its clients at once
# and timing 10 new clients' CONNECT to CONNACK, one every 100 ms from the close on.
SCENARIOS=(
  "conn|$CONNECTIONS idle connections at 1,000/s, held 15 s, then dropped at once (no DISCONNECT)|conn --connections $CONNECTIONS --connect-rate 1000 --connect-timeout 60s --hold 15s --close drop --probes 10"
  "conn-max|$CONNECTIONS clean-session connects as fast as accepted (2,000 handshakes in flight)|conn --connections $CONNECTIONS --connect-rate 100000 --connect-timeout 60s --hold 5s --probes 10"
  "conn-persistent|$CONNECTIONS persistent-session (CleanSession=0) connects as fast as accepted|conn --connections $CONNECTIONS --persistent --connect-rate 100000 --connect-timeout 60s --hold 5s --close drop --probes 10"
  "warmup|not reported: warms the server up|pubsub --qos 1 -P 2 -S 2 -T 2 --rate max --payload 64 --warmup 0s --duration 20s"
  "pubsub-qos1-max|QoS 1, 1 -> 1, as fast as delivered end to end|pubsub --qos 1 -P 1 -S 1 --rate max --payload 64 --warmup $WARMUP --duration $DURATION"
  "pubsub-qos1-1k|QoS 1, 1 -> 1 at 1,000 msg/s: latency|pubsub --qos 1 -P 1 -S 1 --rate 1000 --payload 64 --warmup $WARMUP --duration $DURATION"
  "pubsub-qos0-4x4|QoS 0, 4 -> 4 over 4 topics, as fast as delivered|pubsub --qos 0 -P 4 -S 4 -T 4 --rate max --payload 64 --warmup $WARMUP --duration $DURATION"
  "fanout-qos1|QoS 1, 1 -> $FANOUT_SUBSCRIBERS subscribers of one topic at 2 msg/s|fanout --qos 1 -S $FANOUT_SUBSCRIBERS --rate 2 --payload 64 --connect-rate 1000 --connect-timeout 60s --warmup $WARMUP --duration $DURATION"
)
printf '%s\n' "${SCENARIOS[@]}" > "$WORK/scenarios.txt"
: > "$WORK/commands.txt"
: > "$WORK/servers.txt"

# run_scenarios SERVER PORT PID: every scenario against one running server.
run_scenarios() {
  local server=$1 port=$2 pid=$3 entry name args json extra
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    args=${entry##*|}
    json=$RESULTS/$server--$name.json
    [ "$name" = warmup ] && json=$WORK/logs/$server--warmup.json
    extra=""
    if [ "$name" = conn ] && [ -n "${GATEWAY_METRICS_URL:-}" ] && [ "$server" = gateway ]; then
      extra="--metrics-url $GATEWAY_METRICS_URL"
    fi
    log "$server: $name"
    [ "$name" = warmup ] || echo "$server|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar $args --host 127.0.0.1 --port PORT --server-pid PID $extra --label $server --json FILE" >> "$WORK/commands.txt"
    if [ "$PROFILE" = 1 ] && [ "$name" = pubsub-qos1-max ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null | xargs -r basename)" = java ]; then
      jcmd "$pid" JFR.start name=compare settings=profile filename="$WORK/$server.jfr" >/dev/null 2>&1 || log "$server: JFR did not start"
    fi
    # shellcheck disable=SC2086
    if ! run_bench "$WORK/logs/$server--$name" $args --host 127.0.0.1 --port "$port" \
        --server-pid "$pid" $extra --label "$server" --quiet --json "$json"; then
      log "$server: $name failed: $(tail -3 "$WORK/logs/$server--$name.err" | tr '\n' ' ')"
      python3 - "$json" "$WORK/logs/$server--$name.err" <<'PY'
import json, sys
err = open(sys.argv[2], errors="replace").read().strip().splitlines()
json.dump({"error": " ".join(err[-4:]) or "no output"}, open(sys.argv[1], "w"))
PY
    fi
    case $name in
      conn*|fanout-qos1) wait_recovered "$server" "$port" "$name" ;;
    esac
    if [ "$PROFILE" = 1 ] && [ "$name" = pubsub-qos1-max ] && [ -n "$(jcmd "$pid" JFR.check 2>/dev/null | grep -o compare)" ]; then
      jcmd "$pid" JFR.stop name=compare >/dev/null 2>&1 || true
      [ -f "$WORK/$server.jfr" ] && python3 "$ROOT/bench/jfr_top.py" "$WORK/$server.jfr" > "$RESULTS/$server--profile.txt" || true
    fi
  done
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

# ---------------------------------------------------------------- (a) this gateway
run_gateway() {
  local start=$GATEWAY_HOME/bin/mqtt-standalone port dir pid launcher
  if [ ! -x "$start" ]; then
    log "gateway: $start not found; build it with 'mvn -pl distribution -am package' (skipped)"
    finish gateway skipped "not built yet: $start did not exist when this report was made"
    return
  fi
  port=$(free_port)
  dir=$WORK/gateway-data
  mkdir -p "$dir"
  # The standalone's embedded name server, broker and notify listener get free ports too, so the
  # run collides neither with a RocketMQ on the default ports nor with a test suite's gateway.
  local nsport brokerport notifyport
  nsport=$(free_port)
  brokerport=$(free_port)
  notifyport=$(free_port)
  GATEWAY_NAMESRV=${GATEWAY_NAMESRV:-127.0.0.1:$nsport}
  # shellcheck disable=SC2086
  "$start" --mqtt.port="$port" --data.dir="$dir" --rocketmq.embedded.namesrvPort="$nsport" \
    --rocketmq.embedded.brokerPort="$brokerport" --notify.port="$notifyport" ${GATEWAY_ARGS:-} \
    > "$WORK/logs/gateway.log" 2>&1 &
  launcher=$!
  STARTED_PIDS+=("$launcher")
  if ! wait_port "$port" 180 "$launcher"; then
    log "gateway: not listening on $port; see $WORK/logs/gateway.log"
    finish gateway failed "built, but did not start listening: $(why_not "$WORK/logs/gateway.log")"
    term_and_stop "$launcher"
    return
  fi
  pid=$(listener_pid "$port")
  pid=${pid:-$launcher}
  [ "$pid" != "$launcher" ] && STARTED_PIDS+=("$pid")
  log "gateway: pid $pid on 127.0.0.1:$port"
  run_scenarios gateway "$port" "$pid"
  if [ -n "${GATEWAY_NAMESRV:-}" ]; then
    log "gateway: backend"
    local json=$RESULTS/gateway--backend.json
    echo "gateway|java $BENCH_JAVA_OPTS -jar mqtt-bench.jar backend --namesrv $GATEWAY_NAMESRV --qos 1 --rate 1000 --warmup $WARMUP --duration $DURATION --host 127.0.0.1 --port PORT --server-pid PID --json FILE" >> "$WORK/commands.txt"
    run_bench "$WORK/logs/gateway--backend" backend --namesrv "$GATEWAY_NAMESRV" --qos 1 \
      --rate 1000 --warmup "$WARMUP" --duration "$DURATION" --host 127.0.0.1 --port "$port" --server-pid "$pid" \
      --quiet --json "$json" || log "gateway: backend failed: $(tail -3 "$WORK/logs/gateway--backend.err" | tr '\n' ' ')"
  fi
  term_and_stop "$launcher" "$pid"
  finish gateway ran "bin/mqtt-standalone --mqtt.port=PORT --data.dir=DIR --rocketmq.embedded.namesrvPort=P1 --rocketmq.embedded.brokerPort=P2 --notify.port=P3 ${GATEWAY_ARGS:-} (conf/standalone.properties otherwise)"
}

# ---------------------------------------------------------------- (b) Mosquitto
run_mosquitto() {
  local port dir pid
  if ! command -v mosquitto >/dev/null; then
    log "mosquitto: not installed; apt-get install -y mosquitto (skipped)"
    finish mosquitto skipped "not installed (apt-get install -y mosquitto)"
    return
  fi
  port=$(free_port)
  dir=$WORK/mosquitto
  mkdir -p "$dir"
  # Defaults otherwise: in-memory, max_inflight_messages 20, max_queued_messages 1000 per client.
  cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $dir/mosquitto.log
log_type error
log_type warning
CONF
  mosquitto -c "$dir/mosquitto.conf" > "$WORK/logs/mosquitto.out" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  if ! wait_port "$port" 30 "$pid"; then
    finish mosquitto failed "did not start listening: $(why_not "$WORK/logs/mosquitto.out")"
    term_and_stop "$pid"
    return
  fi
  log "mosquitto: pid $pid on 127.0.0.1:$port"
  run_scenarios mosquitto "$port" "$pid"
  term_and_stop "$pid"
  finish mosquitto ran "$(sed 's/listener [0-9]*/listener PORT/' "$dir/mosquitto.conf" | grep -v log_ | paste -sd ';' | sed 's/;/; /g')"
}

# ---------------------------------------------------------------- (c) HiveMQ CE embedded
run_hivemq() {
  local port dir pid launcher=$ROOT/bench/hivemq
  if [ ! -f "$launcher/target/classpath.txt" ] || [ ! -d "$launcher/target/classes" ]; then
    log "hivemq: building the launcher (resolves com.hivemq:hivemq-community-edition-embedded)"
    if ! mvn -B -q -f "$launcher/pom.xml" package > "$WORK/logs/hivemq-build.log" 2>&1; then
      finish hivemq failed "launcher did not build: $(tail -3 "$WORK/logs/hivemq-build.log" | tr '\n' ' ')"
      return
    fi
  fi
  port=$(free_port)
  dir=$WORK/hivemq
  java ${HIVEMQ_JAVA_OPTS:-} -cp "$launcher/target/classes:$(cat "$launcher/target/classpath.txt")" \
    org.rmqtt.bench.hivemq.HiveMqLauncher "$port" "$dir" "${HIVEMQ_PERSISTENCE:-file}" > "$WORK/logs/hivemq.log" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  local i
  for i in $(seq 1 180); do
    grep -q 'HIVEMQ READY' "$WORK/logs/hivemq.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if ! grep -q 'HIVEMQ READY' "$WORK/logs/hivemq.log"; then
    finish hivemq failed "did not start: $(why_not "$WORK/logs/hivemq.log")"
    term_and_stop "$pid"
    return
  fi
  log "hivemq: pid $pid on 127.0.0.1:$port"
  run_scenarios hivemq "$port" "$pid"
  term_and_stop "$pid"
  finish hivemq ran "embedded from com.hivemq:hivemq-community-edition-embedded via bench/hivemq; persistence ${HIVEMQ_PERSISTENCE:-file}, max-queue-size 1000000, JVM defaults ${HIVEMQ_JAVA_OPTS:-}"
}

# ---------------------------------------------------------------- (d) apache/rocketmq-mqtt
run_rocketmq_mqtt() {
  # It is not published to any Maven registry; it needs its source tree built with Maven plus a
  # RocketMQ name server and broker of its own. Run it only when someone hands us a start command.
  if [ -z "${RMQ_MQTT_CMD:-}" ]; then
    log "rocketmq-mqtt: no build at hand (skipped; set RMQ_MQTT_CMD to include it)"
    finish rocketmq-mqtt skipped "not published to Maven Central or any registry this machine can reach; it must be built from its source tree, which is not on this machine, and needs its own RocketMQ namesrv + broker and wildcard pre-registration. Set RMQ_MQTT_CMD to a command that starts a build on \$PORT to include it."
    return
  fi
  local port pid launcher
  port=$(free_port)
  PORT=$port bash -c "$RMQ_MQTT_CMD" > "$WORK/logs/rocketmq-mqtt.log" 2>&1 &
  launcher=$!
  STARTED_PIDS+=("$launcher")
  if ! wait_port "$port" 180 "$launcher"; then
    finish rocketmq-mqtt failed "did not start listening: $(why_not "$WORK/logs/rocketmq-mqtt.log")"
    term_and_stop "$launcher"
    return
  fi
  pid=$(listener_pid "$port")
  pid=${pid:-$launcher}
  [ "$pid" != "$launcher" ] && STARTED_PIDS+=("$pid")
  run_scenarios rocketmq-mqtt "$port" "$pid"
  kill -TERM "$launcher" "$pid" 2>/dev/null || true
  stop_pid "$pid"
  finish rocketmq-mqtt ran "RMQ_MQTT_CMD=$RMQ_MQTT_CMD"
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
  echo "load average before|$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mosquitto|$({ mosquitto -h 2>/dev/null || true; } | head -1 | sed 's/^mosquitto version //')"
  echo "hivemq|$(sed -n 's/.*<hivemq.version>\(.*\)<\/hivemq.version>.*/\1/p' "$ROOT/bench/hivemq/pom.xml") (CE, embedded)"
  echo "gateway|$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' "$ROOT/pom.xml") @ $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
  echo "bench|mqtt-bench $(basename "$BENCH_JAR" .jar | sed 's/mqtt-bench-//'), JVM options $BENCH_JAVA_OPTS"
} > "$WORK/machine.txt"

for server in $SERVERS; do
  case $server in
    gateway) run_gateway ;;
    mosquitto) run_mosquitto ;;
    hivemq) run_hivemq ;;
    rocketmq-mqtt) run_rocketmq_mqtt ;;
    *) log "unknown server '$server' (gateway, mosquitto, hivemq, rocketmq-mqtt)"; exit 2 ;;
  esac
done
echo "load average after|$(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/machine.txt"

python3 "$ROOT/bench/report.py" --work "$WORK" --out "$OUT" --duration "$DURATION" --warmup "$WARMUP" \
  --findings "$ROOT/bench/findings.md"
log "wrote $OUT"
