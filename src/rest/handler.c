#include <string.h>

#include "rest/reply.h"
#include "rest/server_internal.h"

int sts__rest_on_request(h2o_handler_t *self, h2o_req_t *req)
{
    sts_rest_server_t *server = ((sts__rest_handler_t *)self)->server;
    atomic_fetch_add(&server->answered, 1);
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
    if (req->entity.len > server->max_body_bytes) {
        snprintf(message, sizeof(message), "the request body is larger than the limit of %zu bytes",
                 server->max_body_bytes);
        sts_rest_send_error(req, 413, STS_STATUS_RESOURCE_EXHAUSTED, message);
        return 0;
    }
    sts__rest_serve(server, req, &match);
    return 0;
}
