#!/usr/bin/env bash
# A single-node Ceph RGW with STS on 127.0.0.1, everything under one directory, for the upstream tests.
#   rgw.sh start DIR          start mon, osd (memstore) and radosgw; create a user and a role; write DIR/rgw.env
#   rgw.sh stop DIR           stop every process it started (by recorded PID) and remove DIR
#   rgw.sh stop-gateway DIR   stop only radosgw (an upstream outage)
#   rgw.sh start-gateway DIR  start radosgw again on the same port
set -euo pipefail
command=${1:?usage: rgw.sh start|stop|stop-gateway|start-gateway DIR}
dir=${2:?usage: rgw.sh start|stop|stop-gateway|start-gateway DIR}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# RGW's session-token key: a test-only value, also in tests/issuer/fixtures (the token RGW made with it).
sts_key=abcdefghijklmnop
conf() { echo "$dir/ceph.conf"; }
ceph_cli() { ceph -c "$(conf)" --connect-timeout 20 "$@"; }
admin() { radosgw-admin -c "$(conf)" -n client.admin "$@"; }

stop_pid() {
  local name=$1 pid_file="$dir/$1.pid"
  [ -f "$pid_file" ] || return 0
  local pid; pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

wait_http() {
  local url=$1
  for _ in $(seq 600); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  echo "rgw.sh: $url did not answer within 60 s" >&2
  return 1
}

start_gateway() {
  radosgw -c "$(conf)" -n client.rgw.a -f >"$dir/radosgw.out" 2>&1 &
  echo $! >"$dir/radosgw.pid"
  # shellcheck disable=SC1091
  . "$dir/rgw.env"
  wait_http "$RGW_ENDPOINT"
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local fsid mon_v2 mon_v1 rgw_port osd_uuid
  fsid=$(uuidgen); mon_v2=$(free_port); mon_v1=$(free_port); rgw_port=$(free_port); osd_uuid=$(uuidgen)
  mkdir -p "$dir/mon" "$dir/osd" "$dir/run"
  cat >"$(conf)" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
keyring = $dir/\$name.keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/\$name.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 4294967296
mon max pg per osd = 1000

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw sts key = $sts_key
rgw s3 auth use sts = true
rgw sts min session duration = 5
rgw thread pool size = 64
CONF
  ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/client.admin.keyring" >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]" "$dir/monmap" >/dev/null
  ceph-mon -c "$(conf)" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
  ceph-mon -c "$(conf)" -i a -f >"$dir/mon.out" 2>&1 &
  echo $! >"$dir/mon.pid"

  local osd_id
  osd_id=$(ceph_cli osd new "$osd_uuid")
  mkdir -p "$dir/osd/ceph-$osd_id"
  ceph-osd -c "$(conf)" -i "$osd_id" --mkfs --mkkey --osd-uuid "$osd_uuid" --no-mon-config >/dev/null 2>&1
  ceph_cli auth add "osd.$osd_id" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' \
    -i "$dir/osd.$osd_id.keyring" >/dev/null 2>&1
  ceph-osd -c "$(conf)" -i "$osd_id" -f >"$dir/osd.out" 2>&1 &
  echo $! >"$dir/osd.pid"

  ceph_cli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$dir/client.rgw.a.keyring" >/dev/null
  local uid=sts-tester access_key secret role=sts-s3-access
  access_key=$(/usr/bin/python3 -c 'import secrets,string; print("".join(secrets.choice(string.ascii_uppercase+string.digits) for _ in range(20)))')
  secret=$(/usr/bin/python3 -c 'import secrets,string; print("".join(secrets.choice(string.ascii_letters+string.digits) for _ in range(40)))')
  cat >"$dir/rgw.env" <<ENV
RGW_ENDPOINT=http://127.0.0.1:$rgw_port
RGW_ACCESS_KEY=$access_key
RGW_SECRET_KEY=$secret
RGW_ROLE_ARN=arn:aws:iam:::role/$role
RGW_UID=$uid
RGW_DIR=$dir
RGW_STS_KEY=$sts_key
ENV
  chmod 600 "$dir/rgw.env" # it holds the test user's secret and the sts key
  start_gateway

  admin user create --uid="$uid" --display-name="sts tests" --access-key="$access_key" --secret="$secret" >/dev/null
  admin caps add --uid="$uid" --caps='roles=*;user-policy=*;oidc-provider=*' >/dev/null
  local trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/'"$uid"'"]},"Action":["sts:AssumeRole"]}]}'
  local s3='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::*"}]}'
  admin role create --role-name="$role" --assume-role-policy-doc="$trust" >/dev/null
  admin role-policy put --role-name="$role" --policy-name=s3-all --policy-doc="$s3" >/dev/null
  # GetSessionToken needs a user policy, which RGW only takes through its IAM API.
  AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws --endpoint-url "http://127.0.0.1:$rgw_port" iam put-user-policy \
    --user-name "$uid" --policy-name allow-session-token \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetSessionToken"],"Resource":"*"}]}'
  echo "rgw.sh: RGW with STS at http://127.0.0.1:$rgw_port (env in $dir/rgw.env)"
}

case $command in
  start) start ;;
  stop)
    stop_pid radosgw; stop_pid osd; stop_pid mon
    rm -rf "$dir" ;;
  stop-gateway) stop_pid radosgw ;;
  start-gateway) start_gateway ;;
  *) echo "rgw.sh: unknown command $command" >&2; exit 2 ;;
esac
