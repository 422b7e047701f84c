/* The REST request log and request ids: what each request was, who asked, how it ended, tied to its x-request-id. */
#include <arpa/inet.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/metrics.h"
#include "core/request_id.h"
#include "rest/server_internal.h"
#include "util/log.h"
#include "util/timefmt.h"

/* What the log line needs travels in the request's env: h2o keeps it with the request and passes nothing to
 * backends here, so it is ours. Names and values alternate, as h2o stores them. */
static const char *env_get(h2o_req_t *req, const char *name)
{
    for (size_t i = 0; i + 1 < req->env.size; i += 2) {
        if (h2o_memis(req->env.entries[i].base, req->env.entries[i].len, name, strlen(name)))
            return req->env.entries[i + 1].base;
    }
    return NULL;
}

void sts__rest_log_set(h2o_req_t *req, const char *name, const char *value, size_t len)
{
    h2o_vector_reserve(&req->pool, &req->env, req->env.size + 2);
    req->env.entries[req->env.size++] = h2o_iovec_init(name, strlen(name));
    req->env.entries[req->env.size++] = h2o_strdup(&req->pool, value, len);
}

const char *sts__rest_request_id(h2o_req_t *req)
{
    const char *known = env_get(req, "id");
    if (known != NULL)
        return known;
    ssize_t index = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    char id[STS_REQUEST_ID_MAX + 1];
    sts_request_id_choose(index >= 0 ? req->headers.entries[index].value.base : NULL,
                          index >= 0 ? req->headers.entries[index].value.len : 0, id);
    size_t len = strlen(id);
    /* h2o's own timestamps come from its loop's cached clock, too coarse for a request that takes microseconds. */
    char started[24];
    int started_len = snprintf(started, sizeof(started), "%lld", (long long)sts_time_monotonic_ns());
    sts__rest_log_set(req, "started", started, (size_t)started_len);
    sts__rest_log_set(req, "id", id, len);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, env_get(req, "id"), len);
    return env_get(req, "id");
}

size_t sts__rest_peer_address(h2o_req_t *req, char *out, size_t size)
{
    struct sockaddr_storage address;
    out[0] = '\0';
    if (req->conn->callbacks->get_peername == NULL ||
        req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&address) == 0)
        return 0;
    const void *raw = address.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&address)->sin6_addr
                                                    : (const void *)&((struct sockaddr_in *)&address)->sin_addr;
    if (inet_ntop(address.ss_family, raw, out, (socklen_t)size) == NULL) {
        out[0] = '\0';
        return 0;
    }
    return strlen(out);
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    char peer[INET6_ADDRSTRLEN];
    sts__rest_peer_address(req, peer, sizeof(peer));
    const char *started = env_get(req, "started");
    long long latency_us = started != NULL ? (sts_time_monotonic_ns() - strtoll(started, NULL, 10)) / 1000 : 0;
    sts_log_request_t line = {.request_id = env_get(req, "id"),
                              .protocol = "rest",
                              .method = env_get(req, "method"),
                              .route = env_get(req, "route"),
                              .principal = env_get(req, "principal"),
                              .peer = peer,
                              .status = req->res.status,
                              .latency_us = latency_us,
                              .bytes = (unsigned long long)req->bytes_sent};
    sts_log_request(&line);
    const char *method_index = env_get(req, "method_index");
    sts_metrics_count_request(STS_METRICS_REST, method_index != NULL ? strtol(method_index, NULL, 10) : -1,
                              req->res.status, latency_us);
}

void sts__rest_access_log_register(h2o_pathconf_t *path)
{
    h2o_logger_t *logger = h2o_create_logger(path, sizeof(*logger));
    logger->log_access = log_access;
}
