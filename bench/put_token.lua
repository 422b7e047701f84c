-- wrk script: PUT /token with an empty body (the Cray STS call).
wrk.method = "PUT"
