#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "rest/reply.h"
#include "rest/server_internal.h"

/* The head limits, checked before anything reads the request; 0, or -1 once the refusal is sent. */
static int refuse_oversized_head(sts_rest_server_t *server, h2o_req_t *req)
{
    const sts_rest_limits_t *limits = &server->limits;
    char message[256];
    size_t line = req->input.method.len + 1 + req->input.path.len;
    if (line > (size_t)limits->max_request_line_bytes) {
        snprintf(message, sizeof(message),
                 "the request's method and target take %zu bytes; the limit is %d (max_request_line_bytes)", line,
                 limits->max_request_line_bytes);
        req->http1_is_persistent = 0;
        sts_rest_send_error(req, 414, STS_STATUS_RESOURCE_EXHAUSTED, message);
        return -1;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < req->headers.size; i++)
        bytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len;
    if (req->headers.size > (size_t)limits->max_header_count || bytes > (size_t)limits->max_header_bytes) {
        snprintf(message, sizeof(message),
                 "the request has %zu headers of %zu bytes; the limits are %d headers (max_header_count) and %d "
                 "bytes (max_header_bytes)",
                 req->headers.size, bytes, limits->max_header_count, limits->max_header_bytes);
        req->http1_is_persistent = 0;
        sts_rest_send_error(req, 431, STS_STATUS_RESOURCE_EXHAUSTED, message);
        return -1;
    }
    return 0;
}

/* Prometheus scrapes GET /metrics: the text exposition format, not the service's JSON, so outside the method table. */
static void send_metrics(sts_rest_server_t *server, h2o_req_t *req)
{
    sts_buf_t text;
    sts_buf_init(&text, 1 << 20);
    if (sts_metrics_render(server->service, STS_VERSION, &text) != 0) {
        sts_buf_dispose(&text);
        sts_rest_send_error(req, 500, STS_STATUS_INTERNAL, "the metrics do not fit in their buffer");
        return;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    h2o_iovec_t body = h2o_strdup(&req->pool, text.data, text.len);
    sts_buf_dispose(&text);
    h2o_send_inline(req, body.base, body.len);
}

int sts__rest_on_request(h2o_handler_t *self, h2o_req_t *req)
{
    sts_rest_server_t *server = ((sts__rest_handler_t *)self)->server;
    atomic_fetch_add(&server->answered, 1);
    sts__rest_facts(req);
    if (refuse_oversized_head(server, req) != 0)
        return 0;
    if (server->surface != STS_REST_SERVE_API &&
        h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics")) &&
        h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        send_metrics(server, req);
        return 0;
    }
    if (server->surface == STS_REST_SERVE_METRICS) {
        sts_rest_send_error(req, 404, STS_STATUS_NOT_FOUND, "this listener serves GET /metrics only");
        return 0;
    }
    if (sts__rest_serve_openapi(req))
        return 0;
    sts_route_match_t match;
    char allow[64];
    char message[256];
    switch (sts_router_match(server->router, req->method.base, req->method.len, req->path_normalized.base,
                             req->path_normalized.len, &match, allow, sizeof(allow))) {
    case STS_ROUTE_NOT_FOUND:
        snprintf(message, sizeof(message), "no such path: %.*s",
                 (int)(req->path_normalized.len > 128 ? 128 : req->path_normalized.len), req->path_normalized.base);
        sts_rest_send_error(req, 404, STS_STATUS_NOT_FOUND, message);
        return 0;
    case STS_ROUTE_BAD_METHOD: {
        h2o_iovec_t value = h2o_strdup(&req->pool, allow, strlen(allow));
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, value.base, value.len);
        snprintf(message, sizeof(message), "method %.*s is not allowed here; allowed: %s",
                 (int)(req->method.len > 16 ? 16 : req->method.len), req->method.base, allow);
        sts_rest_send_error(req, 405, STS_STATUS_UNIMPLEMENTED, message);
        return 0;
    }
    case STS_ROUTE_FOUND:
        break;
    }
    if (req->entity.len > server->limits.max_body_bytes) {
        snprintf(message, sizeof(message), "the request body is larger than the limit of %zu bytes",
                 server->limits.max_body_bytes);
        sts_rest_send_error(req, 413, STS_STATUS_RESOURCE_EXHAUSTED, message);
        return 0;
    }
    sts__rest_serve(server, req, &match);
    return 0;
}
