#!/usr/bin/env bash
# Throwaway Redis from Debian's `redis-server` package on 127.0.0.1:$OTEL_PRELOAD_REDIS_PORT
# (default 26379): its own instance (not the package's service), no password, nothing
# saved to disk, data dir and log under the state directory.
#
#   scripts/services/redis.sh {install|start|stop|status|restart}
#
# REDIS_URL=redis://127.0.0.1:<port>
set -euo pipefail
SERVICE_NAME=redis
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$REDIS_PORT"
DATA_DIR="$STATE_DIR/redis"
PIDFILE="$STATE_DIR/redis.pid"
SERVICE_LOG="$LOG_DIR/redis.log"

do_install() {
  if dpkg -s redis-server >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; then
    log "Redis found: $(redis-server --version | head -n 1)"
    return 0
  fi
  local start
  start="$(now)"
  log "installing Debian's redis-server package (apt-get; log: $LOG_DIR/redis-server-install.log)"
  apt_install redis-server
  log "installed $(redis-server --version | head -n 1) in $(fmt_duration $(($(now) - start)))"
}

ready() {
  [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
}

do_start() {
  command -v redis-server >/dev/null 2>&1 || do_install
  if pid_alive "$PIDFILE"; then
    log "already running (pid $(cat "$PIDFILE")); checking that it answers"
  else
    rm -f "$PIDFILE"
    require_port_free "$PORT"
    rotate_log "$SERVICE_LOG"
    mkdir -p "$DATA_DIR"
    log "starting Redis on 127.0.0.1:$PORT (log: $SERVICE_LOG)"
    # Foreground (daemonize no) under nohup: the pid is the server's own.
    nohup redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DATA_DIR" --daemonize no \
      --save '' --appendonly no --protected-mode yes --logfile '' >>"$SERVICE_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  WAIT_FOR_PID="$(cat "$PIDFILE")" wait_for 30 "redis-cli ping on 127.0.0.1:$PORT" ready || fail "Redis did not become ready"
  log "ready: REDIS_URL=redis://127.0.0.1:$PORT"
}

do_stop() {
  stop_pid "$PIDFILE" 10
}

do_status() {
  pid_service_status
}

dispatch "$@"
