#!/usr/bin/env bash
# Jaeger v2 (an OpenTelemetry Collector distribution: OTLP receivers, memory storage,
# query API) on 127.0.0.1, built once with the machine's Go from the Go module proxy
# into the cache, and run with our scripts/services/jaeger.yaml.
#
#   scripts/services/jaeger.sh {install|start|stop|status|restart}
#   scripts/services/jaeger.sh binary    # prints the binary's path and the config's (tests run a private one)
#
# Ports (defaults): OTLP gRPC 24317, OTLP HTTP 24318, query HTTP API 26686, query gRPC
# 26685; each moved by OTEL_PRELOAD_JAEGER_{OTLP_GRPC,OTLP_HTTP,QUERY,QUERY_GRPC}_PORT.
#
# Why a module of our own: `go install github.com/jaegertracing/jaeger/cmd/jaeger@v1.76.0`
# is refused because Jaeger's go.mod has `replace` directives. Taken as a tool
# dependency of a throwaway module (created in the cache, never committed) it builds
# with the versions Jaeger's go.mod requires. The Go module and build caches are Go's
# own (GOMODCACHE, GOCACHE), so a second build, or one after `go` warmed them, is quick.
set -euo pipefail
SERVICE_NAME=jaeger
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# v1.76.0 is the Go module version of Jaeger 2.x (the v2 line keeps the v1 module path).
JAEGER_VERSION=v1.76.0
JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_HOME="$CACHE_DIR/jaeger-$JAEGER_VERSION"
JAEGER_BIN="$JAEGER_HOME/jaeger"
BUILD_LOG="$JAEGER_HOME/build.log"
CONFIG="$SERVICES_DIR/jaeger.yaml"
PIDFILE="$STATE_DIR/jaeger.pid"
SERVICE_LOG="$LOG_DIR/jaeger.log"
# The memory store is a ring buffer of this many traces (the oldest are dropped). The
# JAEGER_* variables exported here are the ${env:...} values of jaeger.yaml.
export JAEGER_MAX_TRACES=100000
export JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_QUERY_PORT JAEGER_QUERY_GRPC_PORT
QUERY_URL="http://127.0.0.1:$JAEGER_QUERY_PORT"

# Ready when the query API answers from the store and both OTLP ports accept connections.
ready() {
  curl -fsS --max-time 2 "$QUERY_URL/api/v3/services" >/dev/null 2>&1 &&
    tcp_open 127.0.0.1 "$JAEGER_OTLP_GRPC_PORT" && tcp_open 127.0.0.1 "$JAEGER_OTLP_HTTP_PORT"
}

# progress <pid> <start-epoch> <phase>: waits for a background step, printing a status
# line every 30 s (elapsed time, lines in the build log).
progress() {
  local pid="$1" start="$2" phase="$3" n=0 rc
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    n=$((n + 1))
    if [ $((n % 30)) -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
      log "  ... $phase: $(fmt_duration $(($(now) - start))) elapsed, $(wc -l <"$BUILD_LOG") log lines ($BUILD_LOG)"
    fi
  done
  rc=0
  wait "$pid" || rc=$?
  return "$rc"
}

do_install() {
  if [ -x "$JAEGER_BIN" ]; then
    log "Jaeger $JAEGER_VERSION already built: $JAEGER_BIN"
    return 0
  fi
  command -v go >/dev/null 2>&1 || fail "go is not installed (needed to build Jaeger)"
  mkdir -p "$JAEGER_HOME"
  # Two state dirs share one cache: only one of them builds, the other waits and reuses it.
  exec 8>>"$JAEGER_HOME/install.lock"
  if ! flock -n 8; then
    log "another install of Jaeger $JAEGER_VERSION is running; waiting for it"
    flock 8
  fi
  if [ -x "$JAEGER_BIN" ]; then
    exec 8>&-
    log "Jaeger $JAEGER_VERSION was built meanwhile: $JAEGER_BIN"
    return 0
  fi
  SERVICE_LOG="$BUILD_LOG"
  : >"$BUILD_LOG"
  local start tool="$JAEGER_HOME/tool"
  start="$(now)"
  log "building Jaeger $JAEGER_VERSION with $(go version | awk '{print $3}') from $(go env GOPROXY) (GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE); log: $BUILD_LOG)"
  rm -rf "$tool"
  mkdir -p "$tool"
  (cd "$tool" && go mod init otel-preload.local/jaeger-tool >>"$BUILD_LOG" 2>&1) || fail "go mod init failed"
  log "resolving $JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION and its dependencies (go get -tool)"
  (cd "$tool" && go get -tool "$JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION" >>"$BUILD_LOG" 2>&1) &
  progress "$!" "$start" "resolving modules" || fail "go get -tool $JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION failed"
  log "compiling $JAEGER_MODULE/cmd/jaeger (the first time takes many minutes on 2 cores)"
  (cd "$tool" && go build -o "$JAEGER_BIN.tmp" "$JAEGER_MODULE/cmd/jaeger" >>"$BUILD_LOG" 2>&1) &
  progress "$!" "$start" "compiling" || fail "go build $JAEGER_MODULE/cmd/jaeger failed"
  mv -f "$JAEGER_BIN.tmp" "$JAEGER_BIN"
  "$JAEGER_BIN" version >>"$BUILD_LOG" 2>&1 || fail "the built binary does not run"
  exec 8>&-
  log "built $JAEGER_BIN in $(fmt_duration $(($(now) - start)))"
}

do_start() {
  if pid_alive "$PIDFILE" && ready; then
    log "already running (pid $(cat "$PIDFILE")) and ready"
    return 0
  fi
  if pid_alive "$PIDFILE"; then
    log "pid $(cat "$PIDFILE") alive but not ready yet"
  else
    rm -f "$PIDFILE"
    [ -x "$JAEGER_BIN" ] || do_install
    local port
    for port in "$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT" "$JAEGER_QUERY_PORT" "$JAEGER_QUERY_GRPC_PORT"; do
      require_port_free "$port"
    done
    rotate_log "$SERVICE_LOG"
    log "starting Jaeger $JAEGER_VERSION (config: $CONFIG; log: $SERVICE_LOG)"
    # The daemon must not take the OTLP settings of whoever runs `up` as its own.
    nohup env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_TRACES_EXPORTER "$JAEGER_BIN" --config "$CONFIG" \
      >>"$SERVICE_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  WAIT_FOR_PID="$(cat "$PIDFILE")" wait_for 60 "Jaeger $QUERY_URL/api/v3/services and its OTLP ports" ready ||
    fail "Jaeger did not become ready ($QUERY_URL/api/v3/services, OTLP 127.0.0.1:$JAEGER_OTLP_GRPC_PORT and :$JAEGER_OTLP_HTTP_PORT)"
  log "ready: query API $QUERY_URL, OTLP grpc 127.0.0.1:$JAEGER_OTLP_GRPC_PORT, OTLP http 127.0.0.1:$JAEGER_OTLP_HTTP_PORT"
}

do_stop() {
  stop_pid "$PIDFILE" 20
}

do_status() {
  if pid_alive "$PIDFILE" && ready; then
    log "running (pid $(cat "$PIDFILE")), ready at $QUERY_URL"
  elif pid_alive "$PIDFILE"; then
    log "running (pid $(cat "$PIDFILE")) but NOT ready"
    return 1
  else
    log "not running"
    return 1
  fi
}

case "${1:-}" in
  binary) printf '%s\n%s\n' "$JAEGER_BIN" "$CONFIG" ;;
  *) dispatch "$@" ;;
esac
