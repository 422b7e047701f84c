-- wrk script: chained refreshes, POST /v1/auth/token/refresh. Every refresh spends its token and answers a new one,
-- so each token is sent exactly once: STS_BENCH_REFRESH_TOKENS holds one login's refresh token per connection, plus
-- one (comma-separated); each request takes a token from the queue and each answer puts its new token back. The
-- extra one is for wrk itself, which calls request() once before the run to check the script (wrk 4.1 does so in the
-- first thread's Lua state); a spare token left over does no harm. Run with -t1: threads would each get the same
-- tokens, and reusing one revokes its family.
local queue, first, last = {}, 1, 0

local function put(token)
  last = last + 1
  queue[last] = token
end

for token in string.gmatch(os.getenv("STS_BENCH_REFRESH_TOKENS") or "", "[^,]+") do
  put(token)
end

request = function()
  -- An empty queue means an answer without a token (an error); the placeholder then fails visibly as well.
  local token = "sts-rt-v1:none-left"
  if first <= last then
    token = queue[first]
    queue[first] = nil
    first = first + 1
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
                    '{"grant-type":"refresh_token","refresh-token":"' .. token .. '"}')
end

response = function(status, headers, body)
  local token = string.match(body, '"refresh%-token"%s*:%s*"([^"]+)"')
  if status == 200 and token then
    put(token)
  end
end
