#!/usr/bin/env bash
# Assemble, start, stop and report a local Neo4j 5.26 LTS Community server built
# from Maven Central jars (no Docker, no neo4j.com download). See scripts/neo4j.md.
#
#   scripts/neo4j.sh fetch|start|stop|restart|status|uri|env|reset|help
#
# Environment:
#   GRAPHRISK_NEO4J_HOME   cache + runtime folder      (default: <repo>/.cache/neo4j)
#   GRAPHRISK_NEO4J_PORT   Bolt port on 127.0.0.1      (default: 7688)
#   GRAPHRISK_NEO4J_AUTH   "none" or "neo4j:<password>" (default: none)
#   GRAPHRISK_NEO4J_START_TIMEOUT  seconds to wait for Bolt (default: 180)
#   GRAPHRISK_NEO4J_STOP_TIMEOUT   seconds before SIGKILL   (default: 60)
#   GRAPHRISK_NEO4J_JAVA_OPTS      extra JVM options, appended (optional)
#   GRAPHRISK_PYTHON               python with the `neo4j` driver (default: python3)
#   JAVA_HOME / MVN                which java / mvn to use
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
POM="$SCRIPT_DIR/neo4j/pom.xml"

abspath() { # absolute path without requiring it to exist
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

N4J_HOME=$(abspath "${GRAPHRISK_NEO4J_HOME:-$REPO/.cache/neo4j}")
N4J_HOME=${N4J_HOME%/}
PORT=${GRAPHRISK_NEO4J_PORT:-7688}
AUTH=${GRAPHRISK_NEO4J_AUTH:-none}
START_TIMEOUT=${GRAPHRISK_NEO4J_START_TIMEOUT:-180}
STOP_TIMEOUT=${GRAPHRISK_NEO4J_STOP_TIMEOUT:-60}
PYTHON=${GRAPHRISK_PYTHON:-python3}
MVN=${MVN:-mvn}
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

LIB="$N4J_HOME/lib"
CONF_DIR="$N4J_HOME/conf"
DATA_DIR="$N4J_HOME/data"
LOGS_DIR="$N4J_HOME/logs"
RUN_DIR="$N4J_HOME/run"
IMPORT_DIR="$N4J_HOME/import"
PLUGINS_DIR="$N4J_HOME/plugins"
PID_FILE="$RUN_DIR/graphrisk-neo4j.pid"
URI_FILE="$RUN_DIR/graphrisk-neo4j.uri"
CONSOLE_LOG="$LOGS_DIR/console.log"
FETCH_MARKER="$LIB/.graphrisk-fetched"
ENTRY_POINT=org.neo4j.server.CommunityEntryPoint
URI="bolt://127.0.0.1:$PORT"

log() { printf 'neo4j.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || die "GRAPHRISK_NEO4J_PORT must be a port number, got '$PORT'"

neo4j_version() {
    local v
    v=$(sed -n 's:.*<neo4j.version>\([^<]*\)</neo4j.version>.*:\1:p' "$POM" | head -n1)
    [[ -n "$v" ]] || die "cannot read <neo4j.version> from $POM"
    printf '%s\n' "$v"
}

# Serialise fetch/start/stop on one home folder (flock is util-linux; skipped if absent).
take_lock() {
    mkdir -p "$N4J_HOME"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$N4J_HOME/.lock"
        flock -w 600 9 || die "another neo4j.sh is busy with $N4J_HOME"
    fi
}

# Command line of a live (non-zombie) process, or nothing.
proc_cmdline() {
    local pid=$1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true
    else
        ps -ww -p "$pid" -o args= 2>/dev/null || true
    fi
}

# True when $1 is our server: the Neo4j entry point started with our home folder.
is_our_server() {
    local pid=$1 cmd
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    cmd=$(proc_cmdline "$pid")
    [[ "$cmd" == *"$ENTRY_POINT"* && "$cmd" == *"--home-dir=$N4J_HOME "* ]]
}

# Prints the PID and succeeds if the PID file points at our running server.
running_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 1
    pid=$(tr -dc '0-9' <"$PID_FILE")
    is_our_server "$pid" || return 1
    printf '%s\n' "$pid"
}

running_uri() {
    if [[ -s "$URI_FILE" ]]; then cat "$URI_FILE"; else printf '%s\n' "$URI"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets AUTH_USER / AUTH_PASSWORD (empty when auth is off).
parse_auth() {
    AUTH_USER=""
    AUTH_PASSWORD=""
    [[ "$AUTH" == none ]] && return 0
    [[ "$AUTH" == *:* ]] || die "GRAPHRISK_NEO4J_AUTH must be 'none' or 'neo4j:<password>'"
    AUTH_USER=${AUTH%%:*}
    AUTH_PASSWORD=${AUTH#*:}
    # Community edition can only seed the built-in admin user 'neo4j' before first start.
    [[ "$AUTH_USER" == neo4j ]] || die "only the user 'neo4j' is supported (got '$AUTH_USER'); create other users with Cypher"
    ((${#AUTH_PASSWORD} >= 8)) || die "Neo4j requires a password of at least 8 characters"
}

check_java() {
    command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Neo4j 5.26 needs Java 17 or 21)"
    local major
    major=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    [[ -n "$major" ]] || return 0
    ((major >= 17)) || die "Neo4j 5.26 needs Java 17+, found Java $major ($JAVA)"
}

tail_logs() {
    log "---- last lines of $CONSOLE_LOG ----"
    tail -n 60 "$CONSOLE_LOG" >&2 2>/dev/null || true
    if [[ -f "$LOGS_DIR/debug.log" ]] && grep -q -E ' (ERROR|WARN) ' "$LOGS_DIR/debug.log"; then
        log "---- errors in $LOGS_DIR/debug.log ----"
        grep -E ' ERROR ' "$LOGS_DIR/debug.log" | tail -n 20 >&2 || true
    fi
}

# ---------------------------------------------------------------------------- fetch
do_fetch() {
    local version tmp
    version=$(neo4j_version)
    if [[ -f "$FETCH_MARKER" && "$(cat "$FETCH_MARKER")" == "$version" ]]; then
        log "Neo4j $version jars already in $LIB"
        return 0
    fi
    if running_pid >/dev/null; then
        die "the server is running on an older jar set; stop it before fetching $version"
    fi
    command -v "$MVN" >/dev/null 2>&1 || die "mvn not found (needed once, to download the jars from Maven Central)"
    check_java
    log "fetching Neo4j $version from Maven Central into $LIB (first time: about a minute, ~125 MB) ..."
    tmp="$N4J_HOME/lib.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    local started=$SECONDS
    if ! "$MVN" -B -q -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$N4J_HOME/fetch.log" 2>&1; then
        tail -n 40 "$N4J_HOME/fetch.log" >&2 || true
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (full log: $N4J_HOME/fetch.log)"
    fi
    [[ -f "$tmp/neo4j-$version.jar" && -f "$tmp/neo4j-server-$version.jar" ]] || {
        rm -rf "$tmp"
        die "the fetched jars do not contain neo4j-$version.jar / neo4j-server-$version.jar"
    }
    printf '%s\n' "$version" >"$tmp/.graphrisk-fetched"
    rm -rf "$LIB"
    mv "$tmp" "$LIB"
    log "fetched $(find "$LIB" -name '*.jar' | wc -l | tr -d ' ') jars ($(du -sh "$LIB" | cut -f1)) in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------- start
write_conf() {
    local auth_enabled=false tmp="$CONF_DIR/neo4j.conf.tmp"
    [[ -n "$AUTH_USER" ]] && auth_enabled=true
    mkdir -p "$CONF_DIR"
    cat >"$tmp" <<EOF
# Written by scripts/neo4j.sh on every start; edit the script, not this file.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$PORT
server.bolt.advertised_address=127.0.0.1:$PORT
server.http.enabled=false
server.https.enabled=false
server.directories.data=$DATA_DIR
server.directories.logs=$LOGS_DIR
server.directories.run=$RUN_DIR
server.directories.import=$IMPORT_DIR
server.directories.plugins=$PLUGINS_DIR
server.memory.pagecache.size=256m
dbms.security.auth_enabled=$auth_enabled
dbms.usage_report.enabled=false
# keep transaction logs small: a local test and analysis server needs no point-in-time recovery
db.tx_log.rotation.retention_policy=100M size
# Internal settings: Bolt otherwise waits 2 x 5 s on shutdown, which makes stop slow.
internal.server.bolt.thread_pool_shutdown_wait_time=1s
internal.server.bolt.connection_shutdown_wait_time=1s
EOF
    mv "$tmp" "$CONF_DIR/neo4j.conf"
}

# Seeds the password of user 'neo4j'. Only effective before the first start.
set_initial_password() {
    [[ -n "$AUTH_USER" ]] || return 0
    if [[ -d "$DATA_DIR/databases/system" ]]; then
        return 0 # already initialised; the connectivity check reports a mismatch
    fi
    log "setting the initial password of user 'neo4j'"
    NEO4J_HOME="$N4J_HOME" NEO4J_CONF="$CONF_DIR" \
        "$JAVA" -cp "$LIB/*" org.neo4j.cli.AdminTool dbms set-initial-password "$AUTH_PASSWORD" \
        >>"$CONSOLE_LOG" 2>&1 || { tail_logs; die "neo4j-admin dbms set-initial-password failed"; }
}

# Exit codes: 0 ready, 2 process died, 3 timeout, 4 authentication failed.
wait_ready() {
    local pid=$1 uri=$2 timeout=$3
    N4J_PID="$pid" N4J_URI="$uri" N4J_TIMEOUT="$timeout" N4J_USER="$AUTH_USER" N4J_PASSWORD="$AUTH_PASSWORD" \
        "$PYTHON" - <<'PY'
import os, socket, sys, time

pid = int(os.environ["N4J_PID"])
uri = os.environ["N4J_URI"]
deadline = time.monotonic() + float(os.environ["N4J_TIMEOUT"])
user, password = os.environ.get("N4J_USER", ""), os.environ.get("N4J_PASSWORD", "")

def alive():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

try:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError
except ImportError:  # no driver: fall back to "the Bolt port accepts TCP"
    GraphDatabase = None
    print("neo4j.sh: python 'neo4j' driver not found, checking the TCP port only", file=sys.stderr)

host, port = uri.split("://", 1)[1].rsplit(":", 1)
while True:
    if not alive():
        sys.exit(2)
    try:
        if GraphDatabase is None:
            socket.create_connection((host, int(port)), timeout=2).close()
        else:
            auth = (user, password) if user else None
            with GraphDatabase.driver(uri, auth=auth, connection_timeout=5) as driver:
                driver.verify_connectivity()
        sys.exit(0)
    except AuthError as exc:
        print(f"neo4j.sh: authentication failed: {exc}", file=sys.stderr)
        sys.exit(4)
    except Exception:
        pass
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.5)
PY
}

kill_server() { # $1 pid; TERM, wait, then KILL
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while is_our_server "$pid"; do
        if ((waited >= STOP_TIMEOUT * 5)); then
            log "server did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            waited=0
            for _ in $(seq 1 50); do is_our_server "$pid" || break; sleep 0.1; done
            break
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE" "$URI_FILE"
}

do_start() {
    local pid uri rc
    parse_auth
    take_lock
    if pid=$(running_pid); then
        uri=$(running_uri)
        [[ "$uri" == "$URI" ]] || log "warning: the running server listens on $uri, not $URI (stop it to change the port)"
        log "already running (pid $pid)"
        rc=0
        wait_ready "$pid" "$uri" "$START_TIMEOUT" || rc=$?
        ((rc == 0)) || { tail_logs; die "the running server (pid $pid) does not answer on $uri (code $rc)"; }
        printf '%s\n' "$uri"
        return 0
    fi
    if [[ -f "$PID_FILE" ]]; then
        log "removing stale PID file $PID_FILE"
        rm -f "$PID_FILE" "$URI_FILE"
    fi
    do_fetch
    check_java
    port_in_use "$PORT" && die "port $PORT on 127.0.0.1 is already in use by another process (set GRAPHRISK_NEO4J_PORT)"
    command -v "$PYTHON" >/dev/null 2>&1 || die "python not found ($PYTHON); needed for the readiness check"

    mkdir -p "$DATA_DIR" "$LOGS_DIR" "$RUN_DIR" "$IMPORT_DIR" "$PLUGINS_DIR"
    [[ -f "$CONSOLE_LOG" ]] && mv -f "$CONSOLE_LOG" "$CONSOLE_LOG.1"
    : >"$CONSOLE_LOG"
    write_conf
    set_initial_password

    local -a jvm=(
        -Xms512m -Xmx1g
        -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC -XX:+ExitOnOutOfMemoryError
        --add-opens=java.base/java.nio=ALL-UNNAMED
        --add-opens=java.base/java.io=ALL-UNNAMED
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
        --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
        -Dio.netty.tryReflectionSetAccessible=true
        -Djdk.nio.maxCachedBufferSize=1024
        -Dlog4j2.disable.jmx=true
        -Dfile.encoding=UTF-8
    )
    if [[ -n "${GRAPHRISK_NEO4J_JAVA_OPTS:-}" ]]; then
        local -a extra
        read -r -a extra <<<"$GRAPHRISK_NEO4J_JAVA_OPTS"
        jvm+=("${extra[@]}")
    fi

    log "starting Neo4j $(neo4j_version) on $URI (home $N4J_HOME, log $CONSOLE_LOG)"
    local started=$SECONDS
    local -a launcher=()
    command -v setsid >/dev/null 2>&1 && launcher=(setsid)
    # The inner bash writes its own PID and then execs java, so the PID file holds java's PID.
    # fd 9 (the lock) must not leak into the long-running JVM.
    (cd "$N4J_HOME" && exec ${launcher[@]+"${launcher[@]}"} bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        "$JAVA" "${jvm[@]}" -cp "$LIB/*" "$ENTRY_POINT" \
        --home-dir="$N4J_HOME" --config-dir="$CONF_DIR" --console-mode \
        </dev/null >>"$CONSOLE_LOG" 2>&1 9>&-) &

    for _ in $(seq 1 100); do [[ -s "$PID_FILE" ]] && break; sleep 0.05; done
    pid=$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)
    [[ -n "$pid" ]] || { tail_logs; die "the JVM did not start"; }
    printf '%s\n' "$URI" >"$URI_FILE"

    rc=0
    wait_ready "$pid" "$URI" "$START_TIMEOUT" || rc=$?
    case $rc in
        0) ;;
        2) tail_logs; rm -f "$PID_FILE" "$URI_FILE"; die "Neo4j exited during start-up" ;;
        3) tail_logs; kill_server "$pid"; die "Bolt did not answer on $URI within ${START_TIMEOUT}s; server stopped" ;;
        4) kill_server "$pid"
           die "the data in $DATA_DIR was initialised with other credentials (or without auth);" \
               "use those, or stop and delete $DATA_DIR to start from scratch" ;;
        *) tail_logs; kill_server "$pid"; die "readiness check failed (code $rc)" ;;
    esac
    log "ready in $((SECONDS - started)) s (pid $pid)"
    printf '%s\n' "$URI"
}

# ---------------------------------------------------------------------------- stop / status
do_stop() {
    local pid
    take_lock
    if ! pid=$(running_pid); then
        if [[ -f "$PID_FILE" ]]; then
            log "removing stale PID file $PID_FILE"
            rm -f "$PID_FILE" "$URI_FILE"
        fi
        log "not running"
        return 0
    fi
    log "stopping Neo4j (pid $pid) ..."
    kill_server "$pid"
    log "stopped"
}

do_status() {
    local pid
    if pid=$(running_pid); then
        printf 'running pid=%s uri=%s home=%s\n' "$pid" "$(running_uri)" "$N4J_HOME"
        return 0
    fi
    if [[ -f "$PID_FILE" ]]; then
        printf 'stopped (stale PID file %s)\n' "$PID_FILE"
    else
        printf 'stopped\n'
    fi
    return 3
}

do_uri() {
    if running_pid >/dev/null; then running_uri; else printf '%s\n' "$URI"; fi
}

do_env() { # shell exports for graphrisk: eval "$(scripts/neo4j.sh env)"
    parse_auth
    printf 'export NEO4J_URI=%q\n' "$(do_uri)"
    printf 'export NEO4J_DATABASE=neo4j\n'
    if [[ -n "$AUTH_USER" ]]; then
        printf 'export NEO4J_USER=%q\n' "$AUTH_USER"
        printf 'export NEO4J_PASSWORD=%q\n' "$AUTH_PASSWORD"
    else
        printf 'unset NEO4J_USER NEO4J_PASSWORD\n'
    fi
}

do_reset() { # stop and delete the databases (keeps the jars)
    do_stop
    rm -rf "$DATA_DIR" "$LOGS_DIR" "$RUN_DIR" "$CONF_DIR"
    log "deleted the data, logs and config under $N4J_HOME (jars kept)"
}

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-help}" in
    fetch) take_lock; do_fetch ;;
    start) do_start ;;
    stop) do_stop ;;
    restart) do_stop; do_start ;;
    status) do_status ;;
    uri) do_uri ;;
    env) do_env ;;
    reset) do_reset ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
