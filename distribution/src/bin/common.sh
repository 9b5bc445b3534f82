# Shared launcher logic, sourced by the other scripts in bin/ (not run on its own).
#
# Every server script (mqtt-standalone, mqtt-gateway, mqtt-rocketmq, mqtt-meta) takes:
#   bin/<script> [--key=value ...]        run in the foreground (systemd, containers, a terminal)
#   bin/<script> -d [--key=value ...]     run in the background; console output to $LOG_DIR/<script>.out
#   bin/<script> stop [--data.dir=DIR]    SIGTERM to the one using DIR, wait until it has ended
# Either way the process writes its pid to <data.dir>/<script>.pid; a second start with the same
# data.dir is refused while that process lives, and a pid file left by a dead one is removed.
#
# Environment a user may set:
#   JAVA_HOME    the Java 17+ to run with; else `java` from PATH
#   RMQTT_HEAP   heap flags, default "-Xms512m -Xmx2g"
#   JAVA_OPTS    more JVM flags, placed after the defaults so they win
#   LOG_DIR      where conf/logback.xml writes rmqtt.log; default <base>/logs
#   RMQTT_CONF   the properties file of bin/mqtt-standalone and bin/mqtt-gateway
#   RMQTT_STOP_TIMEOUT  seconds `stop` waits for the process to end, default 60
#
# Files of the process: data.dir (RocketMQ store, RocketMQ's own logs under
# <data.dir>/rocketmq/logs, the pid file) and LOG_DIR. Nothing is written to the home directory.

RMQTT_BASE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RMQTT_NAME=$(basename "$0")

rmqtt_die() {
    echo "$RMQTT_NAME: $*" >&2
    exit 1
}

# The java executable, checked to be Java 17 or newer.
rmqtt_java() {
    local java
    if [ -n "${JAVA_HOME:-}" ]; then
        java="$JAVA_HOME/bin/java"
        [ -x "$java" ] || rmqtt_die "JAVA_HOME=$JAVA_HOME has no bin/java"
    else
        java=$(command -v java) || rmqtt_die "no java on PATH; install Java 17+ or set JAVA_HOME"
    fi
    local version major
    version=$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
    major=${version%%.*}
    if [ "$major" = "1" ] || ! [ "$major" -ge 17 ] 2>/dev/null; then
        rmqtt_die "Java 17 or newer is needed, $java is version ${version:-unknown}"
    fi
    echo "$java"
}

# The value of KEY in a Java properties file (simple "key=value" / "key: value" lines, last one wins).
rmqtt_conf_value() {
    local file=$1 key=$2
    [ -f "$file" ] || return 0
    sed -n "s/^[[:space:]]*${key//./\\.}[[:space:]]*[=:][[:space:]]*//p" "$file" | tail -n 1 | sed 's/[[:space:]]*$//'
}

# rmqtt_data_dir CONF_FILE ARGS...: the absolute data.dir of the process. One given on the command
# line (--data.dir=DIR or --data.dir DIR) is taken relative to the current directory; else the
# file's (default "data") relative to the distribution directory.
rmqtt_data_dir() {
    local conf=$1 dir="" next=false arg
    shift
    for arg in "$@"; do
        if [ "$next" = true ]; then
            dir=$arg
            next=false
            continue
        fi
        case "$arg" in
            --data.dir=*) dir=${arg#--data.dir=} ;;
            --data.dir) next=true ;;
        esac
    done
    if [ -z "$dir" ]; then
        dir=$(rmqtt_conf_value "$conf" data.dir)
        dir=${dir:-data}
        case "$dir" in
            /*) ;;
            *) dir="$RMQTT_BASE/$dir" ;;
        esac
    fi
    case "$dir" in
        /*) echo "$dir" ;;
        *) echo "$PWD/$dir" ;;
    esac
}

rmqtt_cmdline() {
    if [ -r "/proc/$1/cmdline" ]; then
        tr '\0' ' ' < "/proc/$1/cmdline"
    else
        ps -o args= -p "$1" 2>/dev/null
    fi
}

# The pid in PIDFILE if that process still runs this distribution's MAIN class; else nothing (and
# a stale pid file is removed).
rmqtt_live_pid() {
    local pidfile=$1 main=$2 pid
    [ -f "$pidfile" ] || return 0
    pid=$(tr -dc '0-9' < "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && rmqtt_cmdline "$pid" | grep -q -- "$main"; then
        echo "$pid"
    else
        rm -f "$pidfile"
    fi
}

# rmqtt_stop MAIN PIDFILE: SIGTERM, then wait until the process has ended.
rmqtt_stop() {
    local main=$1 pidfile=$2 pid waited=0 limit
    pid=$(rmqtt_live_pid "$pidfile" "$main")
    if [ -z "$pid" ]; then
        echo "$RMQTT_NAME: not running (no live pid in $pidfile)"
        return 0
    fi
    limit=$(( ${RMQTT_STOP_TIMEOUT:-60} * 10 ))
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge "$limit" ]; then
            rmqtt_die "pid $pid has not ended ${RMQTT_STOP_TIMEOUT:-60} s after SIGTERM; see its log, kill -9 $pid ends it"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$pidfile"
    echo "$RMQTT_NAME: stopped pid $pid in $((waited / 10)).$((waited % 10)) s"
}

# rmqtt_exec MAIN_CLASS CONF_FILE [-d|stop] [--key=value ...]
#   Runs MAIN_CLASS in the foreground (exec: signals reach the JVM directly), with -d in the
#   background, or with `stop` stops the one running on the same data.dir. CONF_FILE, if not
#   empty, is a gateway properties file passed as -Drmqtt.conf (with its data.dir resolved against
#   the distribution directory); if empty, the arguments name the data directory (--data.dir).
rmqtt_exec() {
    local main=$1 conf=$2
    shift 2
    local mode=foreground
    case "${1:-}" in
        -d) mode=background; shift ;;
        stop) mode=stop; shift ;;
    esac

    local args=("$@") log_dir=${LOG_DIR:-$RMQTT_BASE/logs} data_dir rocketmq_logs
    if [ -n "$conf" ] && [ "$mode" != stop ]; then
        [ -f "$conf" ] || rmqtt_die "configuration file $conf not found"
    fi
    data_dir=$(rmqtt_data_dir "$conf" "$@")
    local pidfile="$data_dir/$RMQTT_NAME.pid"
    if [ "$mode" = stop ]; then
        rmqtt_stop "$main" "$pidfile"
        return
    fi
    local java
    java=$(rmqtt_java) || exit 1
    local running
    running=$(rmqtt_live_pid "$pidfile" "$main")
    if [ -n "$running" ]; then
        rmqtt_die "already running as pid $running (pid file $pidfile); stop it with: bin/$RMQTT_NAME stop --data.dir=$data_dir"
    fi

    if [ -n "$conf" ]; then
        local arg given=false
        for arg in "$@"; do
            case "$arg" in
                --data.dir=*) given=true ;;
            esac
        done
        [ "$given" = true ] || args+=("--data.dir=$data_dir")
        rocketmq_logs="$data_dir/rocketmq/logs"
    else
        rocketmq_logs="$log_dir/rocketmq"
    fi
    local jvm=(${RMQTT_HEAP:--Xms512m -Xmx2g})
    jvm+=(
        "-Dlogback.configurationFile=$RMQTT_BASE/conf/logback.xml"
        # RocketMQ brings a second SLF4J provider (a bridge into its shaded Logback); without this
        # the first one found in lib/ wins and conf/logback.xml may be ignored.
        "-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider"
        "-Dslf4j.internal.verbosity=WARN"
        "-DLOG_DIR=$log_dir"
        # RocketMQ 5 logs through its own shaded Logback, configured apart from ours; without
        # this it writes to ~/logs/rocketmqlogs.
        "-Drmq.logback.configurationFile=$RMQTT_BASE/conf/rmq.logback.xml"
        "-Drmqtt.rocketmq.logDir=$rocketmq_logs"
    )
    if [ -n "$conf" ]; then
        jvm+=("-Drmqtt.conf=$conf")
    fi
    # JAVA_OPTS is split on whitespace on purpose: it holds several flags.
    # shellcheck disable=SC2206
    jvm+=(${JAVA_OPTS:-})

    # RocksDB's JNI loader finds out whether libc is musl by running a shell from the JVM, which
    # then keeps a process-reaper thread for a minute; the same test, answered here once.
    if [ -z "${ROCKSDB_MUSL_LIBC:-}" ]; then
        if ldd /usr/bin/env 2>/dev/null | grep -q musl || ls /lib/libc.musl-* > /dev/null 2>&1; then
            export ROCKSDB_MUSL_LIBC=true
        else
            export ROCKSDB_MUSL_LIBC=false
        fi
    fi

    mkdir -p "$data_dir" || rmqtt_die "cannot create data.dir $data_dir"
    if [ "$mode" = foreground ]; then
        echo $$ > "$pidfile"
        exec "$java" "${jvm[@]}" -cp "$RMQTT_BASE/lib/*" "$main" "${args[@]}"
    fi

    mkdir -p "$log_dir" || rmqtt_die "cannot create LOG_DIR $log_dir"
    local out="$log_dir/$RMQTT_NAME.out" pid
    nohup "$java" "${jvm[@]}" -cp "$RMQTT_BASE/lib/*" "$main" "${args[@]}" > "$out" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$pidfile"
    # A bad configuration ends the JVM within a second or two: report it here, not only in the file.
    local i
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
        if ! kill -0 "$pid" 2>/dev/null; then
            local code=0
            wait "$pid" || code=$?
            rm -f "$pidfile"
            tail -n 5 "$out" >&2
            rmqtt_die "pid $pid ended at start (exit code $code); its output: $out"
        fi
        sleep 0.2
    done
    echo "$RMQTT_NAME: started pid $pid (pid file $pidfile, output $out, log $log_dir)"
}

# rmqtt_tool MAIN_CLASS ARGS...: a short-lived command-line client in the foreground: small heap,
# quick start, warnings only on stderr.
rmqtt_tool() {
    local main=$1
    shift
    local java
    java=$(rmqtt_java) || exit 1
    # shellcheck disable=SC2206
    local jvm=(-Xms16m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
        "-Dlogback.configurationFile=$RMQTT_BASE/conf/logback-cli.xml"
        "-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider"
        "-Dslf4j.internal.verbosity=WARN"
        ${JAVA_OPTS:-})
    exec "$java" "${jvm[@]}" -cp "$RMQTT_BASE/lib/*" "$main" "$@"
}
