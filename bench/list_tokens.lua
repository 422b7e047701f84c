-- wrk script: GET a page of access tokens with the bearer token from STS_BENCH_TOKEN.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("STS_BENCH_TOKEN")
