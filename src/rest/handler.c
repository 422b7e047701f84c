#include <string.h>

#include "core/dispatch.h"
#include "rest/json.h"
#include "rest/reply.h"
#include "rest/request.h"
#include "rest/server_internal.h"
#include "util/buf.h"
#include "util/log.h"

static const char *header_value(sts_call_t *call, h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t index = h2o_find_header(&req->headers, token, -1);
    if (index < 0)
        return NULL;
    h2o_iovec_t value = req->headers.entries[index].value;
    return sts_arena_strndup(&call->arena, value.base, value.len);
}

static void reply_status(h2o_req_t *req, sts_call_t *call, sts_status_t status)
{
    int http_status = sts_status_http(status);
    const char *message = sts_call_error_message(call, status);
    if (http_status >= 500)
        sts_log_warn("%.*s %.*s failed: %s: %s", (int)req->method.len, req->method.base, (int)req->path_normalized.len,
                     req->path_normalized.base, sts_status_name(status), message);
    sts_rest_send_error(req, http_status, status, message);
}

static const ProtobufCMessage *response_body(const sts_http_binding_t *binding, const ProtobufCMessage *response)
{
    if (binding->response_body[0] == '\0')
        return response;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(response->descriptor, binding->response_body);
    return *(const ProtobufCMessage *const *)((const char *)response + field->offset);
}

static void reply_success(h2o_req_t *req, sts_call_t *call, const sts_http_binding_t *binding,
                          const ProtobufCMessage *response)
{
    sts_buf_t body;
    sts_buf_init(&body, STS_REST_MAX_RESPONSE_BYTES);
    const char *error = NULL;
    const ProtobufCMessage *message = response_body(binding, response);
    if (message == NULL) {
        sts_rest_send_json(req, binding->success_status, "", 0);
    } else if (sts_json_encode(call->service->methods, message, &body, &call->arena, &error) != 0) {
        reply_status(req, call, sts_call_fail(call, STS_STATUS_INTERNAL, "cannot encode the response: %s", error));
    } else {
        sts_rest_send_json(req, binding->success_status, body.data, body.len);
    }
    sts_buf_dispose(&body);
}

static void serve(sts_rest_server_t *server, h2o_req_t *req, const sts_route_match_t *match)
{
    sts_call_t call;
    sts_call_init(&call, server->service, match->method);
    call.authorization = header_value(&call, req, H2O_TOKEN_AUTHORIZATION);
    sts_rest_input_t input = {.body = req->entity.base, .body_len = req->entity.len};
    if (req->query_at != SIZE_MAX) {
        input.query = req->path.base + req->query_at + 1;
        input.query_len = req->path.len - req->query_at - 1;
    }
    ProtobufCMessage *request = sts_rest_decode_request(&call, match, &input);
    ProtobufCMessage *response = NULL;
    sts_status_t status = request != NULL ? sts_dispatch(&call, request, &response) : STS_STATUS_INVALID_ARGUMENT;
    if (status == STS_STATUS_OK)
        reply_success(req, &call, match->binding, response);
    else
        reply_status(req, &call, status);
    sts_call_dispose(&call);
}

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
    serve(server, req, &match);
    return 0;
}
