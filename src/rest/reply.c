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
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
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

/* Adds "key":value to an open map; values may quote request bytes that are not UTF-8, which go out as '?'. */
static void put_text(yajl_gen gen, const char *key, const char *value)
{
    yajl_gen_string(gen, (const unsigned char *)key, strlen(key));
    if (yajl_gen_string(gen, (const unsigned char *)value, strlen(value)) != yajl_gen_status_ok) {
        char safe[512];
        size_t len = 0;
        for (const char *p = value; *p != '\0' && len < sizeof(safe) - 1; p++)
            safe[len++] = (unsigned char)*p < 0x80 ? *p : '?';
        yajl_gen_string(gen, (const unsigned char *)safe, len);
    }
}

static yajl_gen open_object(void)
{
    yajl_gen gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        sts_log_fatal("out of memory rendering an error");
    yajl_gen_config(gen, yajl_gen_validate_utf8, 1);
    yajl_gen_map_open(gen);
    return gen;
}

static void send_object(h2o_req_t *req, int http_status, yajl_gen gen)
{
    yajl_gen_map_close(gen);
    const unsigned char *body;
    size_t len;
    yajl_gen_get_buf(gen, &body, &len);
    sts_rest_send_json(req, http_status, (const char *)body, len);
    yajl_gen_free(gen);
}

static yajl_gen error_object(int http_status, sts_status_t status, const char *message)
{
    yajl_gen gen = open_object();
    yajl_gen_string(gen, (const unsigned char *)"code", 4);
    yajl_gen_integer(gen, http_status);
    put_text(gen, "status", sts_status_name(status));
    put_text(gen, "message", message);
    return gen;
}

void sts_rest_send_error(h2o_req_t *req, int http_status, sts_status_t status, const char *message)
{
    yajl_gen gen = error_object(http_status, status, message);
    if (status == STS_STATUS_UNAUTHENTICATED)
        add_authenticate_header(req, message);
    send_object(req, http_status, gen);
}

h2o_iovec_t sts_rest_render_error(h2o_mem_pool_t *pool, int http_status, sts_status_t status, const char *message)
{
    yajl_gen gen = error_object(http_status, status, message);
    yajl_gen_map_close(gen);
    const unsigned char *body;
    size_t len;
    yajl_gen_get_buf(gen, &body, &len);
    h2o_iovec_t copy = h2o_strdup(pool, (const char *)body, len);
    yajl_gen_free(gen);
    return copy;
}

const char *sts_rest_reason_phrase(int http_status)
{
    return reason_phrase(http_status);
}

/* RFC 6749 5.2's error code for a status when the handler named none. */
static const char *oauth2_error_of(sts_status_t status)
{
    switch (status) {
    case STS_STATUS_INVALID_ARGUMENT:
    case STS_STATUS_NOT_FOUND:
        return "invalid_request";
    case STS_STATUS_UNAUTHENTICATED:
        return "invalid_client";
    case STS_STATUS_PERMISSION_DENIED:
    case STS_STATUS_FAILED_PRECONDITION:
        return "unauthorized_client";
    case STS_STATUS_UNAVAILABLE:
    case STS_STATUS_RESOURCE_EXHAUSTED:
    case STS_STATUS_DEADLINE_EXCEEDED:
        return "temporarily_unavailable";
    default:
        return "server_error";
    }
}

void sts_rest_send_oauth2_error(h2o_req_t *req, sts_status_t status, const char *reason, const char *message)
{
    const char *error = reason != NULL ? reason : oauth2_error_of(status);
    /* RFC 6749 5.2: 400, except 401 for a failed client authentication; statuses beyond the RFC's keep theirs. */
    int http_status = strcmp(error, "invalid_client") == 0 ? 401 : sts_status_http(status);
    if (http_status == 401 || http_status == 403)
        http_status = strcmp(error, "invalid_client") == 0 ? 401 : 400;
    if (http_status == 401) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Basic realm=\"sts\""));
    }
    yajl_gen gen = open_object();
    put_text(gen, "error", error);
    put_text(gen, "error_description", message);
    send_object(req, http_status, gen);
}
