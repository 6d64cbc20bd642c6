#!/usr/bin/env bash
# Grafana Tempo (single binary, target=all) on 127.0.0.1, built from source with the
# machine's Go from the Go module proxy, cached by version.
#
#   scripts/services/tempo.sh {install|start|stop|status|restart}
#
# Ports: HTTP API 53200, gRPC 59095, OTLP gRPC 54317, OTLP HTTP 54318, memberlist 57946.
#
# Why not `go install github.com/grafana/tempo/cmd/tempo@v2.9.1`: the module path has no
# /v2 suffix (so the v2 tags are not valid module versions) and its go.mod relies on
# `replace` directives, which `go install pkg@version` refuses. So we download the module
# at the pseudo-version of the v2.9.1 tag commit, copy it somewhere writable and build
# inside it, so that Tempo's own go.mod / go.sum / replaces apply.
set -euo pipefail
SERVICE_NAME=tempo
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEMPO_VERSION="${TEMPO_VERSION:-v2.9.1}"
# Pseudo-version of the commit tagged v2.9.1 (module path github.com/grafana/tempo).
TEMPO_MODULE_VERSION="${TEMPO_MODULE_VERSION:-v1.5.1-0.20260116171222-0a3a1a105f97}"
TEMPO_HOME="$CACHE_DIR/tempo-$TEMPO_VERSION"
TEMPO_BIN="$TEMPO_HOME/tempo"
# Go caches live under the cache dir so that CI can cache a single directory and a
# second install (e.g. of another Tempo version) reuses the downloaded modules.
export GOMODCACHE="${TEMPO_GOMODCACHE:-$CACHE_DIR/go/mod}"
export GOCACHE="${TEMPO_GOCACHE:-$CACHE_DIR/go/build}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
# Tempo v2.9.1's go.mod says `go 1.25.5`: an older local Go fetches that toolchain from
# the module proxy by itself unless GOTOOLCHAIN=local is set in the environment.

HTTP_PORT=53200
GRPC_PORT=59095
OTLP_GRPC_PORT=54317
OTLP_HTTP_PORT=54318
MEMBERLIST_PORT=57946

DATA_DIR="$STATE_DIR/tempo"
CONFIG="$STATE_DIR/tempo.yaml"
PIDFILE="$STATE_DIR/tempo.pid"
SERVICE_LOG="$LOG_DIR/tempo.log"
BUILD_LOG="$TEMPO_HOME/build.log"

ready() {
  [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$HTTP_PORT/ready" 2>/dev/null)" = "ready" ]
}

do_install() {
  if [ -x "$TEMPO_BIN" ]; then
    log "Tempo $TEMPO_VERSION already built: $TEMPO_BIN"
    return 0
  fi
  command -v go >/dev/null 2>&1 || fail "go is not installed (needed to build Tempo)"
  SERVICE_LOG="$BUILD_LOG"
  mkdir -p "$TEMPO_HOME"
  : >"$BUILD_LOG"
  local start src modflag dir json
  start="$(now)"
  log "building Tempo $TEMPO_VERSION with $(go version | awk '{print $3}') (GOMODCACHE=$GOMODCACHE, GOCACHE=$GOCACHE; log: $BUILD_LOG)"

  log "downloading module github.com/grafana/tempo@$TEMPO_MODULE_VERSION from $(go env GOPROXY)"
  # Run outside any module so that no go.mod in the current directory interferes.
  json="$TEMPO_HOME/module.json"
  if ! (cd "$TEMPO_HOME" && GOFLAGS=-modcacherw go mod download -json \
    "github.com/grafana/tempo@$TEMPO_MODULE_VERSION" >"$json" 2>>"$BUILD_LOG"); then
    cat "$json" >>"$BUILD_LOG" 2>/dev/null || true
    fail "go mod download github.com/grafana/tempo@$TEMPO_MODULE_VERSION failed: the Go module proxy" \
      "$(go env GOPROXY) does not serve it here ($(sed -n 's/.*"Error": "\(.*\)".*/\1/p' "$json" | head -c 300))"
  fi
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' "$json")"
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] || fail "module download did not yield a directory with go.mod (got '$dir')"
  # The module cache is read-only and go build -mod=mod may need to touch go.sum.
  src="$TEMPO_HOME/src"
  rm -rf "$src"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"

  # A module zip from the proxy keeps vendor/modules.txt but drops vendor/*/..., hence -mod=mod.
  modflag=-mod=mod
  log "downloading Tempo's dependencies (go mod download)"
  (cd "$src" && go mod download -x >>"$BUILD_LOG" 2>&1) &
  progress "$!" "$start" "downloading dependencies" || fail "go mod download of Tempo's dependencies failed"

  log "compiling ./cmd/tempo ($modflag, CGO_ENABLED=0; takes many minutes on 2 cores)"
  (cd "$src" && CGO_ENABLED=0 go build "$modflag" -v -trimpath \
    -ldflags "-s -w -X main.Version=${TEMPO_VERSION#v} -X main.Branch=HEAD -X main.Revision=${TEMPO_MODULE_VERSION##*-}" \
    -o "$TEMPO_BIN.tmp" ./cmd/tempo >>"$BUILD_LOG" 2>&1) &
  progress "$!" "$start" "compiling" || fail "go build ./cmd/tempo failed"
  mv -f "$TEMPO_BIN.tmp" "$TEMPO_BIN"
  "$TEMPO_BIN" -version >>"$BUILD_LOG" 2>&1 || fail "the built binary does not run"
  [ "${TEMPO_KEEP_SRC:-0}" = 1 ] || rm -rf "$TEMPO_HOME/src"
  log "built $TEMPO_BIN in $(fmt_duration $(($(now) - start)))"
}

# progress <pid> <start-epoch> <phase>: waits for a background step, printing a status
# line every 30 s (elapsed time, lines in the build log = packages/modules processed).
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

write_config() {
  mkdir -p "$DATA_DIR/wal" "$DATA_DIR/blocks"
  cat >"$CONFIG" <<EOF
# Generated by scripts/services/tempo.sh -- single-node Tempo on 127.0.0.1 for tests.
target: all
stream_over_http_enabled: true
multitenancy_enabled: false

server:
  http_listen_address: 127.0.0.1
  http_listen_port: $HTTP_PORT
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: $GRPC_PORT
  log_level: info

distributor:
  ring:
    instance_addr: 127.0.0.1
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:$OTLP_GRPC_PORT
        http:
          endpoint: 127.0.0.1:$OTLP_HTTP_PORT

ingester:
  lifecycler:
    address: 127.0.0.1
    ring:
      kvstore:
        store: inmemory
      replication_factor: 1
    final_sleep: 0s
    min_ready_duration: 0s
  # Fast-flush values of Tempo's all-in-one e2e config: a trace is cut from the live
  # traces after 1s idle, blocks are flushed to storage after ~2s, and the ingester keeps
  # a flushed block for complete_block_timeout. NOTE: /api/search WITHOUT start/end only
  # asks the ingesters, so it finds a trace only from ~1.5s to ~complete_block_timeout
  # after ingestion; pass start=&end= (unix seconds) to also search the stored blocks.
  trace_idle_period: 1s
  flush_check_period: 1s
  max_block_duration: 2s
  complete_block_timeout: ${TEMPO_COMPLETE_BLOCK_TIMEOUT:-5s}

memberlist:
  bind_addr: [127.0.0.1]
  bind_port: $MEMBERLIST_PORT
  advertise_addr: 127.0.0.1
  advertise_port: $MEMBERLIST_PORT
  join_members: [127.0.0.1:$MEMBERLIST_PORT]

compactor:
  ring:
    instance_addr: 127.0.0.1
  compaction:
    block_retention: 1h

# Left without storage.path on purpose: the metrics-generator then stays idle.
metrics_generator:
  ring:
    instance_addr: 127.0.0.1

query_frontend:
  search:
    # Search the backend for all time ranges (blocks flush within seconds, see ingester)
    # and the ingesters for the last 30 minutes (the default), so a new trace is found
    # before and after it is flushed.
    query_backend_after: 0s

querier:
  frontend_worker:
    frontend_address: 127.0.0.1:$GRPC_PORT

storage:
  trace:
    backend: local
    wal:
      path: $DATA_DIR/wal
    local:
      path: $DATA_DIR/blocks
    blocklist_poll: 1s

usage_report:
  reporting_enabled: false
EOF
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
    [ -x "$TEMPO_BIN" ] || do_install
    require_port_free "$HTTP_PORT"
    require_port_free "$OTLP_HTTP_PORT"
    require_port_free "$OTLP_GRPC_PORT"
    rotate_log "$SERVICE_LOG"
    write_config
    log "starting Tempo $TEMPO_VERSION (log: $SERVICE_LOG)"
    nohup "$TEMPO_BIN" -config.file="$CONFIG" >>"$SERVICE_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  WAIT_FOR_PID="$(cat "$PIDFILE")" wait_for "${TEMPO_READY_TIMEOUT:-120}" "Tempo http://127.0.0.1:$HTTP_PORT/ready" ready ||
    fail "Tempo did not become ready on http://127.0.0.1:$HTTP_PORT/ready"
  log "ready: API http://127.0.0.1:$HTTP_PORT, OTLP grpc 127.0.0.1:$OTLP_GRPC_PORT, OTLP http 127.0.0.1:$OTLP_HTTP_PORT"
}

do_stop() {
  stop_pid "$PIDFILE" 20
}

do_status() {
  if pid_alive "$PIDFILE" && ready; then
    log "running (pid $(cat "$PIDFILE")), ready on http://127.0.0.1:$HTTP_PORT"
  elif pid_alive "$PIDFILE"; then
    log "running (pid $(cat "$PIDFILE")) but NOT ready"
    return 1
  else
    log "not running"
    return 1
  fi
}

dispatch "$@"
