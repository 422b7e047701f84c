-- wrk script: a password login, POST /v1/auth/token/access-token, as STS_BENCH_USERNAME with STS_BENCH_PASSWORD
-- (plain characters only: they are written into the JSON body as they are).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. os.getenv("STS_BENCH_USERNAME") .. '","password":"' .. os.getenv("STS_BENCH_PASSWORD")
  .. '"}'
