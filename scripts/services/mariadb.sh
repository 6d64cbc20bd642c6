#!/usr/bin/env bash
# Throwaway MariaDB from Debian's `mariadb-server` package on 127.0.0.1:$OTEL_PRELOAD_MARIADB_PORT
# (default 23306): its own instance (not the package's service, no /etc/mysql settings),
# user root with no password (reachable on 127.0.0.1 and its private socket only),
# durability off, database `tasks`. Data dir and log under the state directory.
#
#   scripts/services/mariadb.sh {install|start|stop|status|restart}
#
# MYSQL_URL=mysql://root@127.0.0.1:<port>/tasks
set -euo pipefail
SERVICE_NAME=mariadb
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$MARIADB_PORT"
DATABASE=tasks
DIR="$STATE_DIR/mariadb"
DATA_DIR="$DIR/data"
SOCKET="$DIR/mysqld.sock"
PIDFILE="$STATE_DIR/mariadb.pid"
SERVICE_LOG="$LOG_DIR/mariadb.log"

# mariadbd refuses to run as root unless told to; as another user it runs as that user.
USER_ARGS=()
if [ "$(id -u)" = 0 ]; then USER_ARGS=(--user=root); fi

installed() {
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]
}
mariadbd_bin() { command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd; }

do_install() {
  if dpkg -s mariadb-server >/dev/null 2>&1 && installed; then
    log "MariaDB found: $("$(mariadbd_bin)" --version | head -n 1)"
    return 0
  fi
  local start
  start="$(now)"
  log "installing Debian's mariadb-server package (apt-get; log: $LOG_DIR/mariadb-server-install.log)"
  apt_install mariadb-server
  installed || SERVICE_LOG="$LOG_DIR/mariadb-server-install.log" fail "mariadb-server installed but no mariadbd"
  log "installed $("$(mariadbd_bin)" --version | head -n 1) in $(fmt_duration $(($(now) - start)))"
}

client() {
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$PORT" -u root "$@"
}

ready() {
  mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$PORT" -u root --connect-timeout=2 ping
}

init_datadir() {
  mkdir -p "$DIR"
  if [ ! -d "$DATA_DIR/mysql" ]; then
    rm -rf "$DATA_DIR"
    log "mariadb-install-db into $DATA_DIR"
    mariadb-install-db --no-defaults "${USER_ARGS[@]}" --datadir="$DATA_DIR" \
      --auth-root-authentication-method=normal --skip-test-db >>"$SERVICE_LOG" 2>&1 ||
      fail "mariadb-install-db failed"
  fi
}

do_start() {
  installed || do_install
  if pid_alive "$PIDFILE"; then
    log "already running (pid $(cat "$PIDFILE")); checking that it answers"
  else
    rm -f "$PIDFILE"
    require_port_free "$PORT"
    rotate_log "$SERVICE_LOG"
    init_datadir
    log "starting MariaDB on 127.0.0.1:$PORT (log: $SERVICE_LOG)"
    nohup "$(mariadbd_bin)" --no-defaults "${USER_ARGS[@]}" --datadir="$DATA_DIR" --socket="$SOCKET" \
      --pid-file="$DIR/mariadbd.pid" --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve \
      --log-error="$SERVICE_LOG" --skip-log-bin --innodb-buffer-pool-size=64M \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
      >>"$SERVICE_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  WAIT_FOR_PID="$(cat "$PIDFILE")" wait_for 60 "mariadb-admin ping on 127.0.0.1:$PORT" ready || fail "MariaDB did not become ready"
  client -e "CREATE DATABASE IF NOT EXISTS $DATABASE" >>"$LOG_DIR/mariadb-client.log" 2>&1 ||
    { SERVICE_LOG="$LOG_DIR/mariadb-client.log"; fail "create database $DATABASE failed"; }
  log "ready: MYSQL_URL=mysql://root@127.0.0.1:$PORT/$DATABASE"
}

do_stop() {
  stop_pid "$PIDFILE" 30
}

do_status() {
  pid_service_status
}

dispatch "$@"
