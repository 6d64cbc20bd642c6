#!/usr/bin/env bash
# Prometheus from Debian's package, on 127.0.0.1, scraping the targets listed in
# $STATE/prometheus/targets/*.json (file service discovery: each test writes a file of
# its own there, so that tests of two checkouts never overwrite each other's, and
# Prometheus picks it up at once), every second.
#
#   scripts/services/prometheus.sh {install|start|stop|status|restart}
#
# Port: $OTEL_PRELOAD_PROMETHEUS_PORT (HTTP API, default 59090).
set -euo pipefail
SERVICE_NAME=prometheus
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$PROMETHEUS_PORT"
DATA_DIR="$STATE_DIR/prometheus"
CONFIG="$DATA_DIR/prometheus.yml"
TARGETS="$DATA_DIR/targets"
PIDFILE="$STATE_DIR/prometheus.pid"
SERVICE_LOG="$LOG_DIR/prometheus.log"

do_install() {
  if command -v prometheus >/dev/null 2>&1; then
    log "Prometheus found: $(prometheus --version 2>&1 | head -n 1)"
    return 0
  fi
  log "installing Debian's prometheus package (apt-get; log: $LOG_DIR/prometheus-install.log)"
  apt_install prometheus
}

write_config() {
  mkdir -p "$DATA_DIR"
  mkdir -p "$TARGETS"
  cat >"$CONFIG" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: otel-preload-tests
    file_sd_configs:
      - files: ['$TARGETS/*.json']
        refresh_interval: 1s
YAML
}

ready() {
  curl -fsS --max-time 2 "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1
}

do_start() {
  do_install
  if pid_alive "$PIDFILE"; then
    log "already running (pid $(cat "$PIDFILE")); checking that it answers"
  else
    rm -f "$PIDFILE"
    require_port_free "$PORT"
    rotate_log "$SERVICE_LOG"
    write_config
    log "starting Prometheus (log: $SERVICE_LOG)"
    nohup prometheus --config.file="$CONFIG" --storage.tsdb.path="$DATA_DIR/data" \
      --web.listen-address="127.0.0.1:$PORT" --log.level=warn >>"$SERVICE_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  WAIT_FOR_PID="$(cat "$PIDFILE")" wait_for 60 "Prometheus on 127.0.0.1:$PORT" ready || fail "Prometheus did not become ready"
  log "ready: PROMETHEUS_URL=http://127.0.0.1:$PORT (targets: $TARGETS/*.json)"
}

do_stop() {
  stop_pid "$PIDFILE" 10
}

do_status() {
  pid_service_status
}

dispatch "$@"
