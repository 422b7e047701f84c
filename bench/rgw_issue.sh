#!/usr/bin/env bash
# Issuance throughput against one real Ceph RGW, in one run, measured the same way (wrk, same connections and
# duration, on loopback): RGW's own AssumeRole, stsd's sts issuer (AssumeRole through RGW) and stsd's rgw-native
# issuer (RGW's tokens minted locally, the role checked with GetRole in the background).
# Usage: bench/rgw_issue.sh BUILD_DIR [SECONDS] (BUILD_DIR holds a Release stsd; needs the RGW packages).
set -euo pipefail
build_dir=${1:?usage: bench/rgw_issue.sh BUILD_DIR [SECONDS]}
seconds=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
rgw_dir=$work/rgw
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  bash "$here/../tests/rgw/rgw.sh" stop "$rgw_dir" >/dev/null 2>&1 || true
  [ -n "${keep_log:-}" ] && cat "$work"/*.log >"$keep_log"
  rm -rf "$work"
}
trap cleanup EXIT
keep_log=${STS_BENCH_LOG:-}
bash "$here/../tests/rgw/rgw.sh" start "$rgw_dir" >/dev/null
# shellcheck disable=SC1091
. "$rgw_dir/rgw.env"
mkdir -p "$work/creds"
# Secret files must be private to stsd's user.
(
  umask 077
  printf '%s' "$RGW_ACCESS_KEY" >"$work/creds/access_key"
  printf '%s' "$RGW_SECRET_KEY" >"$work/creds/secret_key"
  printf '%s' "$RGW_STS_KEY" >"$work/rgw_sts_key"
)

# start_stsd NAME ISSUER: starts stsd with that issuer in front of the RGW; sets port.
start_stsd() {
  STS_AUTH=none STS_ISSUER=$2 STS_CREDS_PATH="$work/creds" STS_STS_ENDPOINT_URL="$RGW_ENDPOINT" \
    STS_ROLE_ARN="$RGW_ROLE_ARN" STS_ENDPOINT_URL="$RGW_ENDPOINT" STS_RGW_STS_KEY_FILE="$work/rgw_sts_key" \
    STS_RGW_USER="$RGW_UID" "$build_dir/stsd" --data-dir "$work/$1" --rest-listen 127.0.0.1:0 \
    --grpc-listen 127.0.0.1:0 2>"$work/$1.log" &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*rest listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$1.log")
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/$1.log" >&2
  exit 1
}
start_stsd upstream sts
upstream_port=$port
start_stsd native rgw-native
native_port=$port

# A SigV4-signed AssumeRole for wrk to replay (valid for 15 minutes), signed by botocore, not by stsd.
RGW_ENDPOINT=$RGW_ENDPOINT RGW_ACCESS_KEY=$RGW_ACCESS_KEY RGW_SECRET_KEY=$RGW_SECRET_KEY RGW_ROLE_ARN=$RGW_ROLE_ARN \
  /usr/bin/python3 - >"$work/assume_role.lua" <<'PY'
import os
import botocore.auth, botocore.awsrequest, botocore.credentials
body = "Action=AssumeRole&Version=2011-06-15&DurationSeconds=3600&RoleSessionName=bench&RoleArn=" + \
    os.environ["RGW_ROLE_ARN"].replace(":", "%3A").replace("/", "%2F")
request = botocore.awsrequest.AWSRequest(method="POST", url=os.environ["RGW_ENDPOINT"] + "/", data=body,
    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
botocore.auth.SigV4Auth(botocore.credentials.Credentials(os.environ["RGW_ACCESS_KEY"], os.environ["RGW_SECRET_KEY"]),
    "sts", "us-east-1").add_auth(request)
print('wrk.method = "POST"')
print('wrk.body = "%s"' % body)
for name, value in request.headers.items():
    print('wrk.headers["%s"] = "%s"' % (name, value))
PY

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
rgw=$(wrk -t1 -c16 -d"${seconds}s" -s "$work/assume_role.lua" "$RGW_ENDPOINT/" | rps)
upstream=$(wrk -t1 -c16 -d"${seconds}s" -s "$here/put_token.lua" "http://127.0.0.1:$upstream_port/token" | rps)
native=$(wrk -t1 -c16 -d"${seconds}s" -s "$here/put_token.lua" "http://127.0.0.1:$native_port/token" | rps)
echo "RGW AssumeRole directly:              $rgw req/s (baseline)"
echo "stsd PUT /token, sts issuer via RGW:  $upstream req/s"
echo "stsd PUT /token, rgw-native issuer:   $native req/s"
awk -v u="$upstream" -v n="$native" -v r="$rgw" \
  'BEGIN { printf "ratios: sts/RGW %.2f, rgw-native/RGW %.2f, rgw-native/sts %.1f\n", u / r, n / r, n / u }'
