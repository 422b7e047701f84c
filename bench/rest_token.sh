#!/usr/bin/env bash
# Rough REST throughput of PUT /token, with GET /healthz on the same server as the baseline run alongside it.
# Usage: bench/rest_token.sh BUILD_DIR [SECONDS] (BUILD_DIR holds a Release stsd). Loopback only; bounded in time.
set -euo pipefail
build_dir=${1:?usage: bench/rest_token.sh BUILD_DIR [SECONDS]}
seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
STS_AUTH=none "$build_dir/stsd" --data-dir "$work" --rest-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 2>"$work/log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  port=$(sed -n 's/.*rest listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "stsd did not start:" >&2; cat "$work/log" >&2; exit 1; }
url=http://127.0.0.1:$port
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
token=$(wrk -t1 -c16 -d"${seconds}s" -s "$here/put_token.lua" "$url/token" | rps)
health=$(wrk -t1 -c16 -d"${seconds}s" "$url/healthz" | rps)
echo "PUT /token:   $token req/s"
echo "GET /healthz: $health req/s (baseline)"
awk -v t="$token" -v h="$health" 'BEGIN { printf "ratio token/healthz: %.2f\n", t / h }'
