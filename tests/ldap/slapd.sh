#!/usr/bin/env bash
# A throwaway OpenLDAP directory (Debian's slapd, mdb backend) on 127.0.0.1, everything under one directory, for the
# LDAP login tests (tests/e2e/test_ldap_*.py; CMake starts it once for them).
#   slapd.sh start DIR          make a CA and a server certificate, a database with the test users and groups, start
#                               slapd (ldap:// with StartTLS, and ldaps://) on free ports; write DIR/env, DIR/slapd.pid
#   slapd.sh stop DIR           stop slapd (by the recorded PID only) and remove DIR
#   slapd.sh stop-server DIR    stop only slapd, keeping DIR (a directory outage)
#   slapd.sh start-server DIR   start slapd again on the same ports with the same data
#
# A second `start` on a DIR whose slapd still runs fails (exit 1) and changes nothing; `stop` first. A DIR left by a
# slapd that is no longer running is wiped and started afresh. `start` refuses a non-empty DIR it did not create.
#
# Directory (base dc=sts,dc=test):
#   cn=sts-service,ou=services   the service account for search-then-bind (password in LDAP_BIND_PASSWORD_FILE)
#   uid=alice,ou=people          member of cn=admins,ou=groups
#   uid=bob,ou=people            member of cn=operators,ou=groups
#   uid=carol,ou=people          in no group
# Users are inetOrgPerson (uid, cn, sn, mail, userPassword). Groups are groupOfNames: `member` holds each member's
# full DN, so the user's DN found by search-then-bind is all a group search needs,
# (&(objectClass=groupOfNames)(member=<DN>)), with no second identifier to map (posixGroup's memberUid would hold
# bare uids and needs the uid attribute of the user as well). groupOfNames is also the shape of Active Directory's
# and most LDAP sites' groups.
#
# Access: anonymous binds are refused (`disallow bind_anon`), and so is a DN with an empty password (an
# "unauthenticated bind", refused by slapd 2.5's default); a bound user or the service account reads everything but
# userPassword, which only serves to authenticate. Plain ldap:// is accepted too; TLS is not required by the server.
#
# DIR/env (KEY=value lines, mode 0600; source it, or split each line at the first '='):
#   LDAP_URL, LDAPS_URL, LDAP_HOST, LDAP_PORT, LDAPS_PORT   ldap://127.0.0.1:PORT (StartTLS) and ldaps://127.0.0.1:PORT
#   LDAP_BASE, LDAP_PEOPLE_BASE, LDAP_GROUPS_BASE
#   LDAP_BIND_DN, LDAP_BIND_PASSWORD_FILE                  the service account; the file (0600) has no newline
#   LDAP_ADMIN_DN, LDAP_ADMIN_PASSWORD_FILE                the rootdn, to change the directory from a test
#   LDAP_CA_FILE                                           the CA that signed the server certificate (IP SAN 127.0.0.1)
#   LDAP_OTHER_CA_FILE                                     a CA that did not: verification against it must fail
#   LDAP_ALICE_DN, LDAP_ALICE_PASSWORD (and BOB, CAROL)    the users
#   LDAP_ADMINS_GROUP_DN, LDAP_OPERATORS_GROUP_DN
#   LDAP_PID, LDAP_LOG_FILE, LDAP_DIR                      slapd's PID; its log (errors and `stats`: connections,
#                                                          binds, StartTLS, searches)
set -euo pipefail
usage="usage: slapd.sh start|stop|stop-server|start-server DIR"
command=${1:?$usage}
dir=${2:?$usage}
marker=.sts-ldap-fixture # marks a DIR this script made, so that stop only ever removes such a directory
base=dc=sts,dc=test
ready_seconds=10

say() { echo "slapd.sh: $*"; }
die() {
  echo "slapd.sh: $*" >&2
  exit 1
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
random_password() { /usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(15))'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
env_value() { sed -n "s/^$1=//p" "$dir/env"; }

# The recorded PID, if that process is still our slapd (its command line names DIR's slapd.conf), so that a PID the
# kernel has since given to another process is never signalled. Prints nothing otherwise.
running_pid() {
  local pid
  [ -f "$dir/slapd.pid" ] || return 0
  pid=$(cat "$dir/slapd.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-f $dir/slapd.conf " || return 0
  exited "$pid" || echo "$pid"
}

# True once pid is gone or a zombie (when slapd's parent, the shell that ran `start`, has exited, PID 1 may reap it
# late or never, and kill -0 keeps succeeding on the zombie).
exited() {
  local state
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = Z ]
}

stop_server() {
  local pid
  pid=$(running_pid)
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do exited "$pid" && break; sleep 0.1; done
    if ! exited "$pid"; then
      echo "slapd.sh: slapd (PID $pid) did not exit within 10 s of SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do exited "$pid" && break; sleep 0.1; done
    fi
    say "stopped slapd (PID $pid)"
  fi
  rm -f "$dir/slapd.pid"
}

# Starts slapd in the foreground of a background job (so its PID is known without a pidfile race), logging to
# DIR/slapd.log, and waits until it answers a bind on both ports. Returns 2 when a port was taken meanwhile.
launch() {
  local ldap_port=$1 ldaps_port=$2 pid user=()
  [ "$(id -u)" != 0 ] || user=(-u openldap -g openldap)
  # The log is kept across stop-server/start-server; only this run's lines are looked at.
  touch "$dir/slapd.log"
  [ "$(id -u)" != 0 ] || chown openldap:openldap "$dir/slapd.log"
  local first_line
  first_line=$(($(wc -l <"$dir/slapd.log") + 1))
  slapd -d stats "${user[@]}" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$ldap_port/ ldaps://127.0.0.1:$ldaps_port/" \
    </dev/null >>"$dir/slapd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/slapd.pid"
  local ca=$dir/tls/ca.crt bind_dn=cn=sts-service,ou=services,$base deadline
  deadline=$(($(now_ms) + ready_seconds * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if exited "$pid"; then
      rm -f "$dir/slapd.pid"
      tail -n "+$first_line" "$dir/slapd.log" | grep 'errno=98' >/dev/null && return 2
      echo "slapd.sh: slapd exited during startup; the end of its log ($dir/slapd.log):" >&2
      tail -n "+$first_line" "$dir/slapd.log" | tail -n 40 | sed 's/^/  /' >&2
      return 1
    fi
    if LDAPTLS_CACERT=$ca LDAPTLS_REQCERT=demand timeout 2 ldapwhoami -x -ZZ -o nettimeout=1 \
      -H "ldap://127.0.0.1:$ldap_port" -D "$bind_dn" -y "$dir/secrets/bind.password" >/dev/null 2>&1 &&
      LDAPTLS_CACERT=$ca LDAPTLS_REQCERT=demand timeout 2 ldapwhoami -x -o nettimeout=1 \
        -H "ldaps://127.0.0.1:$ldaps_port" -D "$bind_dn" -y "$dir/secrets/bind.password" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.05
  done
  echo "slapd.sh: slapd (PID $pid) did not answer a StartTLS and an ldaps bind within about $ready_seconds s;" \
    "stopping it. The end of its log ($dir/slapd.log):" >&2
  tail -n "+$first_line" "$dir/slapd.log" | tail -n 40 | sed 's/^/  /' >&2
  stop_server >/dev/null
  return 1
}

make_certificates() {
  local tls=$dir/tls
  mkdir -p "$tls"
  # EC P-256, valid 7 days. The server certificate names IP 127.0.0.1: libldap checks ldap://localhost against
  # the machine's host name, so clients must use 127.0.0.1.
  for ca in ca other-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=sts ldap test $ca" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$tls/$ca.key" -out "$tls/$ca.crt" 2>"$tls/openssl.err" || {
      cat "$tls/openssl.err" >&2
      die "could not make the test CA"
    }
  done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>"$tls/openssl.err" || die "could not make the server key"
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 7 \
    -extfile "$tls/server.ext" -out "$tls/server.crt" 2>"$tls/openssl.err" || {
    cat "$tls/openssl.err" >&2
    die "could not sign the server certificate"
  }
  chmod 600 "$tls"/*.key
  rm -f "$tls/other-ca.key" "$tls/server.csr" "$tls/openssl.err"
}

write_config() {
  cat >"$dir/slapd.conf" <<CONF
# Made by tests/ldap/slapd.sh; throwaway.
include   /etc/ldap/schema/core.schema
include   /etc/ldap/schema/cosine.schema
include   /etc/ldap/schema/nis.schema
include   /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile   $dir/run/slapd.pid
argsfile  $dir/run/slapd.args
loglevel  none
disallow  bind_anon
TLSCACertificateFile  $dir/tls/ca.crt
TLSCertificateFile    $dir/tls/server.crt
TLSCertificateKeyFile $dir/tls/server.key

database  mdb
maxsize   10485760
suffix    "$base"
rootdn    "cn=admin,$base"
rootpw    $(slappasswd -T "$dir/secrets/admin.password")
directory $dir/db
index     objectClass,uid,member,cn eq
access to attrs=userPassword
        by self write
        by anonymous auth
        by * none
access to *
        by users read
        by * none
CONF
}

user_entry() { # uid cn sn
  cat <<LDIF

dn: uid=$1,ou=people,$base
objectClass: inetOrgPerson
uid: $1
cn: $2
sn: $3
mail: $1@sts.test
userPassword: $(slappasswd -T "$dir/secrets/$1.password")
LDIF
}

group_entry() { # cn member-uid
  cat <<LDIF

dn: cn=$1,ou=groups,$base
objectClass: groupOfNames
cn: $1
member: uid=$2,ou=people,$base
LDIF
}

write_data() {
  {
    cat <<LDIF
dn: $base
objectClass: dcObject
objectClass: organization
o: sts tests
dc: sts

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups

dn: ou=services,$base
objectClass: organizationalUnit
ou: services

dn: cn=sts-service,ou=services,$base
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: sts-service
description: sts looks users up as this account (search-then-bind)
userPassword: $(slappasswd -T "$dir/secrets/bind.password")
LDIF
    user_entry alice "Alice Liddell" Liddell
    user_entry bob "Bob Builder" Builder
    user_entry carol "Carol Danvers" Danvers
    group_entry admins alice
    group_entry operators bob
  } >"$dir/data.ldif"
}

write_env() { # ldap_port ldaps_port pid
  local secrets=$dir/secrets
  cat >"$dir/env.new" <<ENV
LDAP_URL=ldap://127.0.0.1:$1
LDAPS_URL=ldaps://127.0.0.1:$2
LDAP_HOST=127.0.0.1
LDAP_PORT=$1
LDAPS_PORT=$2
LDAP_BASE=$base
LDAP_PEOPLE_BASE=ou=people,$base
LDAP_GROUPS_BASE=ou=groups,$base
LDAP_BIND_DN=cn=sts-service,ou=services,$base
LDAP_BIND_PASSWORD_FILE=$secrets/bind.password
LDAP_ADMIN_DN=cn=admin,$base
LDAP_ADMIN_PASSWORD_FILE=$secrets/admin.password
LDAP_CA_FILE=$dir/tls/ca.crt
LDAP_OTHER_CA_FILE=$dir/tls/other-ca.crt
LDAP_ALICE_DN=uid=alice,ou=people,$base
LDAP_ALICE_PASSWORD=$(cat "$secrets/alice.password")
LDAP_BOB_DN=uid=bob,ou=people,$base
LDAP_BOB_PASSWORD=$(cat "$secrets/bob.password")
LDAP_CAROL_DN=uid=carol,ou=people,$base
LDAP_CAROL_PASSWORD=$(cat "$secrets/carol.password")
LDAP_ADMINS_GROUP_DN=cn=admins,ou=groups,$base
LDAP_OPERATORS_GROUP_DN=cn=operators,ou=groups,$base
LDAP_PID=$3
LDAP_LOG_FILE=$dir/slapd.log
LDAP_DIR=$dir
ENV
  chmod 600 "$dir/env.new" # it holds the users' passwords
  mv "$dir/env.new" "$dir/env"
}

start() {
  if ! command -v slapd >/dev/null || ! command -v ldapwhoami >/dev/null; then
    die "slapd or ldap-utils is not installed (bash tools/deps.sh installs them)"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/$marker" ]; then
    local pid
    pid=$(running_pid)
    [ -z "$pid" ] || die "slapd (PID $pid) already runs for $dir; run 'slapd.sh stop $dir' first"
    say "removing the leftovers of an earlier run in $dir"
    find "$dir" -mindepth 1 -delete
  elif [ -n "$(ls -A "$dir")" ]; then
    die "$dir is not empty and was not made by slapd.sh; give an empty or new directory"
  fi
  touch "$dir/$marker"
  if [ "$(id -u)" = 0 ]; then
    id openldap >/dev/null 2>&1 || die "user openldap is missing (it comes with the slapd package)"
    runuser -u openldap -- test -x "$dir" ||
      die "slapd runs as user openldap, which cannot reach $dir; use a directory on a path others may traverse"
  fi
  local started
  started=$(now_ms)
  say "making a test CA and a server certificate for 127.0.0.1 in $dir/tls"
  make_certificates
  mkdir -m 700 "$dir/secrets"
  for name in bind admin alice bob carol; do
    (umask 077 && random_password | tr -d '\n' >"$dir/secrets/$name.password")
  done
  mkdir -p "$dir/db" "$dir/run"
  write_config
  write_data
  local output
  output=$(timeout 30 slaptest -u -f "$dir/slapd.conf" 2>&1) || die "slaptest rejected $dir/slapd.conf: $output"
  say "loading $base (3 users, 2 groups, 1 service account)"
  timeout 30 slapadd -q -f "$dir/slapd.conf" -l "$dir/data.ldif" || die "slapadd could not load $dir/data.ldif"
  [ "$(id -u)" != 0 ] || chown -R openldap:openldap "$dir/db" "$dir/run" "$dir/tls/server.key"

  local ldap_port ldaps_port status
  for attempt in 1 2 3; do
    ldap_port=$(free_port)
    ldaps_port=$(free_port)
    say "starting slapd on 127.0.0.1:$ldap_port (ldap, StartTLS) and 127.0.0.1:$ldaps_port (ldaps)"
    status=0
    launch "$ldap_port" "$ldaps_port" || status=$?
    [ "$status" = 2 ] || break
    say "a port was taken before slapd bound it (attempt $attempt of 3); trying other ports"
  done
  [ "$status" = 0 ] || die "slapd did not start; nothing is left running"
  write_env "$ldap_port" "$ldaps_port" "$(cat "$dir/slapd.pid")"
  say "slapd (PID $(cat "$dir/slapd.pid")) serves $base at ldap://127.0.0.1:$ldap_port and" \
    "ldaps://127.0.0.1:$ldaps_port after $(($(now_ms) - started)) ms (env in $dir/env)"
}

start_server() {
  if [ ! -f "$dir/$marker" ] || [ ! -f "$dir/env" ]; then
    die "$dir holds no directory made by 'slapd.sh start'"
  fi
  local pid
  pid=$(running_pid)
  [ -z "$pid" ] || die "slapd (PID $pid) already runs for $dir"
  local ldap_port ldaps_port status=0
  ldap_port=$(env_value LDAP_PORT)
  ldaps_port=$(env_value LDAPS_PORT)
  launch "$ldap_port" "$ldaps_port" || status=$?
  [ "$status" != 2 ] || die "port $ldap_port or $ldaps_port is taken by another process; slapd could not start"
  [ "$status" = 0 ] || die "slapd did not start"
  write_env "$ldap_port" "$ldaps_port" "$(cat "$dir/slapd.pid")"
  say "slapd (PID $(cat "$dir/slapd.pid")) serves again at ldap://127.0.0.1:$ldap_port"
}

case $command in
  start) start ;;
  stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    if [ ! -f "$dir/$marker" ]; then
      [ -z "$(ls -A "$dir")" ] || die "$dir was not made by slapd.sh; leaving it alone"
      rmdir "$dir"
      exit 0
    fi
    stop_server
    rm -rf "$dir" ;;
  stop-server)
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/$marker" ] || die "$dir was not made by slapd.sh"
    stop_server ;;
  start-server)
    dir=$(cd "$dir" && pwd)
    start_server ;;
  *) die "unknown command $command ($usage)" ;;
esac
