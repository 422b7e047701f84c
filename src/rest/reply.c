#include "rest/reply.h"

#include <stdio.h>
#include <yajl/yajl_gen.h>

#include "util/log.h"

static const char *reason_phrase(int http_status)
{
    switch (http_status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return http_status < 500 ? "Client Error" : "Server Error";
    }
}

void sts_rest_send_json(h2o_req_t *req, int http_status, const char *body, size_t len)
{
    req->res.status = http_status;
    req->res.reason = reason_phrase(http_status);
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    h2o_send_inline(req, body, len);
}

/* Quotes inside a quoted-string would end it early; the description is advisory, so substitute them. */
static void add_authenticate_header(h2o_req_t *req, const char *message)
{
    char value[512];
    int len = snprintf(value, sizeof(value), "Bearer realm=\"sts\", error=\"invalid_token\", error_description=\"");
    for (const char *p = message; *p != '\0' && len < (int)sizeof(value) - 2; p++)
        value[len++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '\'' : *p;
    value[len++] = '"';
    h2o_iovec_t copy = h2o_strdup(&req->pool, value, (size_t)len);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL, copy.base, copy.len);
}

void sts_rest_send_error(h2o_req_t *req, int http_status, sts_status_t status, const char *message)
{
    yajl_gen gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        sts_log_fatal("out of memory rendering an error");
    yajl_gen_config(gen, yajl_gen_validate_utf8, 1);
    const char *name = sts_status_name(status);
    yajl_gen_map_open(gen);
    yajl_gen_string(gen, (const unsigned char *)"code", 4);
    yajl_gen_integer(gen, http_status);
    yajl_gen_string(gen, (const unsigned char *)"status", 6);
    yajl_gen_string(gen, (const unsigned char *)name, strlen(name));
    yajl_gen_string(gen, (const unsigned char *)"message", 7);
    if (yajl_gen_string(gen, (const unsigned char *)message, strlen(message)) != yajl_gen_status_ok) {
        /* Messages may quote request bytes that are not UTF-8; send them as '?' rather than no message. */
        char safe[512];
        size_t len = 0;
        for (const char *p = message; *p != '\0' && len < sizeof(safe) - 1; p++)
            safe[len++] = (unsigned char)*p < 0x80 ? *p : '?';
        yajl_gen_string(gen, (const unsigned char *)safe, len);
    }
    yajl_gen_map_close(gen);
    const unsigned char *body;
    size_t len;
    yajl_gen_get_buf(gen, &body, &len);
    if (status == STS_STATUS_UNAUTHENTICATED)
        add_authenticate_header(req, message);
    sts_rest_send_json(req, http_status, (const char *)body, len);
    yajl_gen_free(gen);
}
