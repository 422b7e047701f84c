-- wrk script: a form-encoded OAuth 2.0 request (the token or introspection endpoint). STS_BENCH_FORM is the body as
-- sent (already percent-encoded); STS_BENCH_AUTHORIZATION the whole Authorization header (HTTP Basic of a client).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("STS_BENCH_AUTHORIZATION")
wrk.body = os.getenv("STS_BENCH_FORM")
