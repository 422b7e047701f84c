#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on 127.0.0.1, everything under one directory, for the PostgreSQL store's tests (CMake
# starts it once for them).
#   pg.sh start DIR          initdb, start the server on a free port (TCP with scram-sha-256, and a socket in DIR);
#                            create role sts (password in DIR/password) owning database sts; write DIR/env
#   pg.sh stop DIR           stop the server (pg_ctl, which waits for the postmaster recorded in its pid file) and
#                            remove DIR
#   pg.sh stop-server DIR    stop only the server, keeping DIR (a database outage)
#   pg.sh start-server DIR   start it again on the same port with the same data
#
# A DIR left by a server that is no longer running is wiped and started afresh.
#
# DIR/env (KEY=value lines, mode 0600):
#   PG_URL              postgres://sts@127.0.0.1:PORT/sts (no password in it)
#   PG_PASSWORD_FILE    the password of role sts (0600, no newline)
#   PG_ADMIN_URL        postgresql:///postgres?host=DIR/sock&port=PORT&user=postgres (the superuser, over the socket)
#   PG_PORT, PG_DIR, PG_LOG_FILE
set -euo pipefail
usage="usage: pg.sh start|stop|stop-server|start-server DIR"
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
action=$1
dir=$2
bin=/usr/lib/postgresql/15/bin
as_pg() { runuser -u postgres -- "$@"; }

server_running() { [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

start_server() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
}

stop_server() {
  if server_running; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
  fi
}

case "$action" in
start)
  [ -x "$bin/initdb" ] || { echo "pg.sh: $bin/initdb not found: install postgresql-15" >&2; exit 1; }
  if [ -d "$dir" ]; then
    if server_running; then
      echo "pg.sh: a server already runs in $dir; stop it first" >&2
      exit 1
    fi
    rm -rf "$dir"
  fi
  mkdir -p "$dir/sock"
  chown -R postgres:postgres "$dir"
  chmod 755 "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  admin_pw=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
  password=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
  printf '%s' "$admin_pw" >"$dir/admin-password"
  chown postgres "$dir/admin-password"
  chmod 600 "$dir/admin-password"
  echo "pg.sh: initdb in $dir/data"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/admin-password" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 200
CONF
  start_server
  as_pg "$bin/psql" -h "$dir/sock" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE sts LOGIN CREATEDB PASSWORD '$password'" -c "CREATE DATABASE sts OWNER sts"
  printf '%s' "$password" >"$dir/password"
  chmod 600 "$dir/password"
  umask 077
  cat >"$dir/env" <<ENV
PG_URL=postgres://sts@127.0.0.1:$port/sts
PG_PASSWORD_FILE=$dir/password
PG_ADMIN_URL=postgresql:///postgres?host=$dir/sock&port=$port&user=postgres
PG_PORT=$port
PG_DIR=$dir
PG_LOG_FILE=$dir/server.log
ENV
  echo "pg.sh: PostgreSQL listening on 127.0.0.1:$port (env in $dir/env)"
  ;;
stop)
  if [ -d "$dir" ]; then
    stop_server
    rm -rf "$dir"
  fi
  ;;
stop-server)
  stop_server
  ;;
start-server)
  start_server
  ;;
*)
  echo "$usage" >&2
  exit 2
  ;;
esac
