# Shared launcher logic, sourced by the other scripts in bin/ (not run on its own).
#
# Environment a user may set:
#   JAVA_HOME    the Java 17+ to run with; else `java` from PATH
#   RMQTT_HEAP   heap flags, default "-Xms512m -Xmx2g"
#   JAVA_OPTS    more JVM flags, placed after the defaults so they win
#   LOG_DIR      where conf/logback.xml writes rmqtt.log; default <base>/logs
#   RMQTT_CONF   the properties file of bin/mqtt-standalone and bin/mqtt-gateway
#
# Files of the process: data.dir (RocketMQ store, RocketMQ's own logs under
# <data.dir>/rocketmq/logs) and LOG_DIR. Nothing is written to the home directory.

RMQTT_BASE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

rmqtt_die() {
    echo "$(basename "$0"): $*" >&2
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

# rmqtt_exec MAIN_CLASS CONF_FILE [--key=value ...]
#   Runs MAIN_CLASS in the foreground (exec: signals reach the JVM directly). CONF_FILE, if not
#   empty, is a gateway properties file passed as -Drmqtt.conf; then a relative data.dir from
#   the file (the default "data") is resolved against the distribution directory, and one given
#   as --data.dir=... on the command line is taken as it is (relative to the current directory).
rmqtt_exec() {
    local main=$1 conf=$2
    shift 2
    local java
    java=$(rmqtt_java) || exit 1

    local args=("$@") log_dir=${LOG_DIR:-$RMQTT_BASE/logs} rocketmq_logs
    if [ -n "$conf" ]; then
        [ -f "$conf" ] || rmqtt_die "configuration file $conf not found"
        local data_dir="" given=false arg
        for arg in "$@"; do
            case "$arg" in
                --data.dir=*) data_dir=${arg#--data.dir=}; given=true ;;
            esac
        done
        if [ "$given" = false ]; then
            data_dir=$(rmqtt_conf_value "$conf" data.dir)
            data_dir=${data_dir:-data}
            case "$data_dir" in
                /*) ;;
                *) data_dir="$RMQTT_BASE/$data_dir" ;;
            esac
            args+=("--data.dir=$data_dir")
        fi
        case "$data_dir" in
            /*) ;;
            *) data_dir="$PWD/$data_dir" ;;
        esac
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

    exec "$java" "${jvm[@]}" -cp "$RMQTT_BASE/lib/*" "$main" "${args[@]}"
}
