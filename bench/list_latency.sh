#!/usr/bin/env bash
# Latency of listing one page of 100 access tokens with 10k tokens in the store against 1M, measured the same way
# (wrk, one connection, pages at the start and in the middle of the keyset). Rows are bulk-inserted with the sqlite3
# CLI so the store can be filled quickly. Usage: bench/list_latency.sh BUILD_DIR [SECONDS] (a Release stsd).
set -euo pipefail
build_dir=${1:?usage: bench/list_latency.sh BUILD_DIR [SECONDS]}
seconds=${2:-5}
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start() { # start DATA_DIR; sets port
  STS_AUTH=access-token "$build_dir/stsd" --data-dir "$1" --rest-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
    >/dev/null 2>"$1.log" &
  pid=$!
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*rest listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$1.log")
    [ -n "$port" ] && return
    sleep 0.1
  done
  cat "$1.log" >&2
  return 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=; }

fill() { # fill DATA_DIR COUNT: random-looking ids spread over the keyset, 10 tokens per user
  sqlite3 "$1/sts.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO access_tokens (id, user_domain, user_auth_id, user_uid, user_gid, user_sid, user_name, creator,
  creation_time, expiration_time, last_used_time, enabled, hmac, creator_domain, creator_auth_id, role_ceiling)
SELECT printf('%032x', (i * 2654435761) % 2147483648 * 4294967296 + i), 0, '', NULL, NULL, '', 'bench-' || (i / 10),
  'bench', 0, 0, 0, 1, zeroblob(32), 0, '', '' FROM n;
SQL
}

rps_latency() { sed -n 's/^ *Latency *\([0-9.]*[a-z]*\).*/\1/p'; }
measure() { # measure COUNT: prints the average latency of first-page and middle-page lists
  local dir=$work/store-$1
  mkdir -p "$dir"
  start "$dir"
  stop
  fill "$dir" "$1"
  start "$dir"
  local token middle
  token=$(cat "$dir/admin.token")
  middle=$(printf '%032x' $(( (($1 / 2) * 2654435761) % 2147483648 * 4294967296 )))
  first=$(wrk -t1 -c1 -d"${seconds}s" -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/auth/access-tokens/?limit=100" | rps_latency)
  mid=$(wrk -t1 -c1 -d"${seconds}s" -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/auth/access-tokens/?limit=100&after=$middle" | rps_latency)
  stop
  echo "$1 tokens: first page $first, middle page $mid (wrk average latency, one connection)"
}
measure 10000
measure 1000000
