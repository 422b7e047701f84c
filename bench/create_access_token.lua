-- wrk script: access-token create, POST /v1/auth/access-tokens/ as the admin whose bearer token is STS_BENCH_TOKEN.
-- Each request asks for a user of its own, STS_BENCH_PREFIX followed by a counter, because one identity holds at most
-- max_tokens_per_user tokens. Run with -t1 (threads would repeat each other's names) and give every wrk run a prefix
-- of its own (plain characters).
local prefix, count = os.getenv("STS_BENCH_PREFIX") or "bench-", 0
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("STS_BENCH_TOKEN")}

request = function()
  count = count + 1
  return wrk.format("POST", nil, headers, '{"user":{"name":"' .. prefix .. count .. '","domain":"LOCAL"}}')
end
