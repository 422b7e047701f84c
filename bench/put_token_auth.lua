-- wrk script: PUT /token carrying a bearer token from the environment (STS_BENCH_TOKEN).
wrk.method = "PUT"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("STS_BENCH_TOKEN")
