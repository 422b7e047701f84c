/* Turns the plain-text errors h2o answers by itself (a body over its limit, a broken chunked body) into the
 * service's one JSON error shape, so a client sees one format whichever layer refused it. */
#include <stdio.h>
#include <string.h>

#include "rest/reply.h"
#include "rest/server_internal.h"

typedef struct {
    h2o_filter_t super;
    sts_rest_server_t *server;
} error_filter_t;

typedef struct {
    h2o_ostream_t super;
    error_filter_t *filter;
    int sent;
} rewriter_t;

static sts_status_t status_of(int http_status)
{
    switch (http_status) {
    case 408:
        return STS_STATUS_DEADLINE_EXCEEDED;
    case 413:
    case 414:
    case 431:
        return STS_STATUS_RESOURCE_EXHAUSTED;
    case 503:
        return STS_STATUS_UNAVAILABLE;
    default:
        return http_status < 500 ? STS_STATUS_INVALID_ARGUMENT : STS_STATUS_INTERNAL;
    }
}

/* h2o's own errors are the only text/plain responses: everything the service writes is JSON. */
static int is_h2o_error(h2o_req_t *req)
{
    if (req->res.status < 400)
        return 0;
    ssize_t index = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (index < 0)
        return 0;
    h2o_iovec_t value = req->res.headers.entries[index].value;
    return value.len >= 10 && memcmp(value.base, "text/plain", 10) == 0;
}

/* h2o's text ("broken chunked-encoding") names the fault; it is a static string of h2o's, never client bytes. */
static void send_json(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt, h2o_send_state_t state)
{
    rewriter_t *rewriter = (rewriter_t *)self;
    char message[256];
    if (req->res.status == 413) {
        snprintf(message, sizeof(message), "the request body is larger than the limit of %zu bytes",
                 rewriter->filter->server->limits.max_body_bytes);
    } else {
        char text[129];
        size_t len = 0;
        for (size_t i = 0; i < bufcnt && len < sizeof(text) - 1; i++) {
            size_t take = bufs[i].len < sizeof(text) - 1 - len ? bufs[i].len : sizeof(text) - 1 - len;
            memcpy(text + len, bufs[i].base, take);
            len += take;
        }
        text[len] = '\0';
        snprintf(message, sizeof(message), "the request cannot be read: %s",
                 len > 0                   ? text
                 : req->res.reason != NULL ? req->res.reason
                                           : "bad request");
    }
    h2o_iovec_t body = h2o_iovec_init(NULL, 0);
    if (!rewriter->sent) {
        body = sts_rest_render_error(&req->pool, req->res.status, status_of(req->res.status), message);
        /* HTTP/1.1 and HTTP/2 both write the headers at the first send, so the length can still change here. */
        req->res.content_length = body.len;
        rewriter->sent = 1;
    }
    int head = h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD"));
    h2o_ostream_send_next(self, req, &body, body.len > 0 && !head ? 1 : 0, state);
}

static void on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    if (is_h2o_error(req)) {
        ssize_t index = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
        req->res.headers.entries[index].value = h2o_iovec_init(H2O_STRLIT("application/json"));
        req->res.reason = sts_rest_reason_phrase(req->res.status);
        rewriter_t *rewriter = (rewriter_t *)h2o_add_ostream(req, sizeof(*rewriter), slot);
        rewriter->super.do_send = send_json;
        rewriter->filter = (error_filter_t *)self;
        rewriter->sent = 0;
        slot = &rewriter->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

void sts__rest_error_filter_register(sts_rest_server_t *server, h2o_pathconf_t *path)
{
    error_filter_t *filter = (error_filter_t *)h2o_create_filter(path, sizeof(*filter));
    filter->super.on_setup_ostream = on_setup_ostream;
    filter->server = server;
}
