#!/usr/bin/env bash
# What authentication costs: PUT /token with a valid RS256 JWT, and with an access token, each against the same with
# STS_AUTH=none, run back to back with the same wrk settings on loopback.
# Usage: bench/auth_cost.sh BUILD_DIR [SECONDS] (a Release stsd).
set -euo pipefail
build_dir=${1:?usage: bench/auth_cost.sh BUILD_DIR [SECONDS]}
seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# Keys and a token from python3-jwt, an implementation independent of stsd.
token=$(/usr/bin/python3 - "$work/jwks.json" <<'PY'
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(key.public_key()))
jwk["kid"] = "bench"
json.dump({"keys": [jwk]}, open(sys.argv[1], "w"))
now = int(time.time())
print(jwt.encode({"iss": "https://bench", "sub": "bench", "aud": "sts", "exp": now + 3600, "iat": now,
                  "realm_access": {"roles": ["admin"]}}, key, algorithm="RS256", headers={"kid": "bench"}))
PY
)

start() { # start NAME ENV... ; sets port
  local name=$1; shift
  env "$@" "$build_dir/stsd" --data-dir "$work/$name" --rest-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
    >/dev/null 2>"$work/$name.log" &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*rest listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    [ -n "$port" ] && return
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  return 1
}
start open STS_AUTH=none
open_port=$port
start jwt STS_AUTH=jwt STS_JWT_JWKS_FILE="$work/jwks.json" STS_JWT_ISSUER=https://bench STS_JWT_AUDIENCE=sts
jwt_port=$port
start access STS_AUTH=access-token
access_port=$port
access_token=$(cat "$work/access/admin.token")
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
run() { wrk -t1 -c16 -d"${seconds}s" -H "Authorization: Bearer ${2:-$token}" -s "$here/put_token.lua" "$1" | rps; }
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" "http://127.0.0.1:$jwt_port/token")
[ "$status" = 201 ] || { echo "the JWT was refused ($status)" >&2; cat "$work/jwt.log" >&2; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $access_token" \
  "http://127.0.0.1:$access_port/token")
[ "$status" = 201 ] || { echo "the access token was refused ($status)" >&2; exit 1; }
open=$(run "http://127.0.0.1:$open_port/token")
with_jwt=$(run "http://127.0.0.1:$jwt_port/token")
with_access=$(run "http://127.0.0.1:$access_port/token" "$access_token")
echo "PUT /token, STS_AUTH=none:        $open req/s (baseline)"
echo "PUT /token, STS_AUTH=jwt (RS256): $with_jwt req/s"
echo "PUT /token, STS_AUTH=access-token: $with_access req/s"
awk -v j="$with_jwt" -v a="$with_access" -v o="$open" \
  'BEGIN { printf "ratio jwt/none: %.2f\nratio access-token/none: %.2f\n", j / o, a / o }'
