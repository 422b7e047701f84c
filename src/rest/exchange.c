/* One REST call from decoded request to reply, inline or through the worker pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/dispatch.h"
#include "rest/json.h"
#include "rest/reply.h"
#include "rest/request.h"
#include "rest/server_internal.h"
#include "util/buf.h"
#include "util/log.h"

typedef struct exchange_s exchange_t;

/* Lives in the request's pool: when h2o frees the request (the client went away), it tells the exchange. */
typedef struct {
    exchange_t *exchange;
} request_link_t;

struct exchange_s {
    h2o_multithread_message_t message; /* first: the receiver hands back this pointer */
    sts__rest_thread_t *thread;
    h2o_req_t *req; /* NULL once h2o has freed it */
    request_link_t *link;
    const sts_http_binding_t *binding;
    sts_call_t call;
    ProtobufCMessage *request;
    sts_json_page_link_t page; /* copied into the call arena: a worker may encode after h2o freed req */
    sts_status_t status;
    sts_buf_t body;
};

static const char *header_value(sts_call_t *call, h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t index = h2o_find_header(&req->headers, token, -1);
    if (index < 0)
        return NULL;
    h2o_iovec_t value = req->headers.entries[index].value;
    return sts_arena_strndup(&call->arena, value.base, value.len);
}

static const ProtobufCMessage *response_body(const sts_http_binding_t *binding, const ProtobufCMessage *response)
{
    if (binding->response_body[0] == '\0')
        return response;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(response->descriptor, binding->response_body);
    return *(const ProtobufCMessage *const *)((const char *)response + field->offset);
}

/* Dispatches and encodes; touches no h2o state, so it may run on a worker. Stops early when the call must move. */
static void run(exchange_t *x)
{
    ProtobufCMessage *response = NULL;
    x->status = sts_dispatch(&x->call, x->request, &response);
    if (x->status != STS_STATUS_OK || x->call.wants != STS_WORK_INLINE)
        return;
    const ProtobufCMessage *message = response_body(x->binding, response);
    const char *error = NULL;
    /* A response without fields (Delete) is an empty body, as the contract has it, not "{}". */
    if (message != NULL && message->descriptor->n_fields > 0 &&
        sts_json_encode_response(x->call.service->methods, message, &x->page, &x->body, &x->call.arena, &error) != 0)
        x->status = sts_call_fail(&x->call, STS_STATUS_INTERNAL, "cannot encode the response: %s", error);
}

/* The pool refused the call: it gets a reply saying so instead. */
static void refuse(exchange_t *x)
{
    x->status = sts_dispatch_refuse(&x->call);
}

static void reply(exchange_t *x)
{
    h2o_req_t *req = x->req;
    if (x->call.principal.name != NULL)
        sts__rest_facts(req)->principal = h2o_strdup(&req->pool, x->call.principal.name, SIZE_MAX).base;
    if (x->status == STS_STATUS_OK) {
        if (x->binding->max_age_seconds > 0) {
            char value[48];
            int len = snprintf(value, sizeof(value), "public, max-age=%d", x->binding->max_age_seconds);
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                           h2o_strdup(&req->pool, value, (size_t)len).base, (size_t)len);
        }
        sts_rest_send_json(req, x->binding->success_status, x->body.data, x->body.len);
        return;
    }
    int http_status = sts_status_http(x->status);
    const char *message = sts_call_error_message(&x->call, x->status);
    if (http_status >= 500)
        sts_log_warn("%.*s %.*s failed: %s: %s", (int)req->method.len, req->method.base, (int)req->path_normalized.len,
                     req->path_normalized.base, sts_status_name(x->status), message);
    if (x->call.retry_after_seconds > 0) {
        char seconds[16];
        int len = snprintf(seconds, sizeof(seconds), "%d", x->call.retry_after_seconds);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       h2o_strdup(&req->pool, seconds, (size_t)len).base, (size_t)len);
    }
    if (x->binding->error_style == STS_ERROR_STYLE_OAUTH2)
        sts_rest_send_oauth2_error(req, x->status, x->call.error_reason, message);
    else
        sts_rest_send_error(req, http_status, x->status, message);
}

static void dispose(exchange_t *x)
{
    if (x->link != NULL)
        x->link->exchange = NULL;
    sts_buf_dispose(&x->body);
    sts_call_dispose(&x->call);
    free(x);
}

static void on_request_freed(void *data)
{
    request_link_t *link = data;
    if (link->exchange != NULL) {
        link->exchange->req = NULL;
        link->exchange->link = NULL;
    }
}

static void run_on_worker(void *arg)
{
    exchange_t *x = arg;
    sts_call_move(&x->call);
    run(x);
    /* A lookup done, the handler may need another class of worker still: the call hops there. */
    if (x->call.wants != STS_WORK_INLINE && sts_worker_pool_submit(sts_dispatch_pool(&x->call), run_on_worker, x) == 0)
        return;
    if (x->call.wants != STS_WORK_INLINE)
        refuse(x);
    h2o_multithread_send_message(&x->thread->finished, &x->message);
}

void sts__rest_on_finished(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *message = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&message->link);
        exchange_t *x = (exchange_t *)message;
        sts__rest_thread_t *thread = x->thread;
        if (x->req != NULL)
            reply(x);
        dispose(x);
        atomic_fetch_sub(&thread->pending, 1);
    }
}

/* Hands x to the pool it wants; 0, or -1 (nothing changed) when the pool refuses it. */
static int defer(exchange_t *x, h2o_req_t *req)
{
    x->thread = H2O_STRUCT_FROM_MEMBER(sts__rest_thread_t, context, req->conn->ctx);
    x->link = h2o_mem_alloc_shared(&req->pool, sizeof(*x->link), on_request_freed);
    x->link->exchange = x;
    atomic_fetch_add(&x->thread->pending, 1);
    if (sts_worker_pool_submit(sts_dispatch_pool(&x->call), run_on_worker, x) == 0)
        return 0;
    atomic_fetch_sub(&x->thread->pending, 1);
    x->link->exchange = NULL;
    x->link = NULL;
    return -1;
}

void sts__rest_serve(sts_rest_server_t *server, h2o_req_t *req, const sts_route_match_t *match)
{
    exchange_t *x = calloc(1, sizeof(*x));
    if (x == NULL)
        sts_log_fatal("out of memory serving a REST request");
    x->req = req;
    x->binding = match->binding;
    sts_buf_init(&x->body, STS_REST_MAX_RESPONSE_BYTES);
    sts_call_init(&x->call, server->service, match->method);
    x->call.authorization = header_value(&x->call, req, H2O_TOKEN_AUTHORIZATION);
    sts__rest_facts_t *facts = sts__rest_facts(req);
    x->call.peer = facts->peer[0] != '\0' ? sts_arena_strdup(&x->call.arena, facts->peer) : NULL;
    x->call.request_id = sts_arena_strdup(&x->call.arena, facts->id); /* req may go first */
    const sts_http_binding_t *binding = match->binding;
    facts->method = match->method->grpc_path + 1;
    facts->method_index = (long)(match->method - server->service->methods->methods);
    facts->route_verb = sts_http_verb_name(binding->verb);
    facts->route_path = binding->path_template;
    sts_rest_input_t input = {.body = req->entity.base, .body_len = req->entity.len};
    const char *content_type = header_value(&x->call, req, H2O_TOKEN_CONTENT_TYPE);
    input.form = content_type != NULL && strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0;
    if (req->query_at != SIZE_MAX) {
        input.query = req->path.base + req->query_at + 1;
        input.query_len = req->path.len - req->query_at - 1;
    }
    /* Page cursors in the response become links relative to this request, as the client sent it. */
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    x->page = (sts_json_page_link_t){.request = match->method->request,
                                     .path = sts_arena_strndup(&x->call.arena, req->path.base, path_len),
                                     .path_len = path_len};
    if (input.query != NULL) {
        x->page.query = sts_arena_strndup(&x->call.arena, input.query, input.query_len);
        x->page.query_len = input.query_len;
    }
    x->request = sts_rest_decode_request(&x->call, match, &input);
    if (x->request == NULL) {
        x->status = STS_STATUS_INVALID_ARGUMENT;
    } else {
        run(x);
        if (x->call.wants != STS_WORK_INLINE && defer(x, req) == 0)
            return;
        if (x->call.wants != STS_WORK_INLINE)
            refuse(x);
    }
    reply(x);
    dispose(x);
}
