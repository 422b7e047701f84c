/* The REST request log and request ids: what each request was, who asked, how it ended, tied to its x-request-id. */
#include <string.h>
#include "core/metrics.h"
#include "rest/server_internal.h"
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/* The facts travel in the request's env, which h2o keeps with the request for its loggers and passes to no backend
 * here: one entry named by this key's address, whose value points at the facts. */
static const char facts_key[] = "sts";

static sts__rest_facts_t *facts_find(h2o_req_t *req)
{
    if (req->env.size >= 2 && req->env.entries[0].base == facts_key)
        return (sts__rest_facts_t *)req->env.entries[1].base;
    return NULL;
}

/* IPv4 by hand: glibc's inet_ntop formats it with sprintf, a visible share of a short request. */
static void ipv4_text(const uint8_t *octets, char *out)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            out[n++] = '.';
        n += sts_decimal(octets[i], out + n);
    }
}

static void peer_address(h2o_req_t *req, char *out, size_t size)
{
    struct sockaddr_storage address;
    out[0] = '\0';
    if (req->conn->callbacks->get_peername == NULL ||
        req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&address) == 0)
        return;
    if (address.ss_family == AF_INET)
        ipv4_text((const uint8_t *)&((struct sockaddr_in *)&address)->sin_addr, out);
    else if (inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&address)->sin6_addr, out, (socklen_t)size) == NULL)
        out[0] = '\0';
}

sts__rest_facts_t *sts__rest_facts(h2o_req_t *req)
{
    sts__rest_facts_t *facts = facts_find(req);
    if (facts != NULL)
        return facts;
    facts = h2o_mem_alloc_pool(&req->pool, sizeof(*facts));
    memset(facts, 0, sizeof(*facts));
    facts->started_ns = sts_time_monotonic_ns();
    facts->method_index = -1;
    ssize_t index = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    sts_request_id_choose(index >= 0 ? req->headers.entries[index].value.base : NULL,
                          index >= 0 ? req->headers.entries[index].value.len : 0, facts->id);
    peer_address(req, facts->peer, sizeof(facts->peer));
    /* First in the env, where facts_find looks; nothing else of ours is kept there. */
    h2o_vector_reserve(&req->pool, &req->env, req->env.size + 2);
    memmove(req->env.entries + 2, req->env.entries, req->env.size * sizeof(req->env.entries[0]));
    req->env.entries[0] = h2o_iovec_init(facts_key, sizeof(facts_key) - 1);
    req->env.entries[1] = h2o_iovec_init(facts, sizeof(*facts));
    req->env.size += 2;
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, facts->id,
                          strlen(facts->id));
    return facts;
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    const sts__rest_facts_t *facts = facts_find(req);
    long long latency_us = facts != NULL ? (sts_time_monotonic_ns() - facts->started_ns) / 1000 : 0;
    char route[256] = "";
    if (facts != NULL && facts->route_verb != NULL) {
        size_t verb = strlen(facts->route_verb), path = strnlen(facts->route_path, sizeof(route) - verb - 2);
        memcpy(route, facts->route_verb, verb);
        route[verb] = ' ';
        memcpy(route + verb + 1, facts->route_path, path);
        route[verb + 1 + path] = '\0';
    }
    sts_log_request_t line = {.request_id = facts != NULL ? facts->id : NULL,
                              .protocol = "rest",
                              .method = facts != NULL ? facts->method : NULL,
                              .route = route,
                              .principal = facts != NULL ? facts->principal : NULL,
                              .peer = facts != NULL ? facts->peer : NULL,
                              .status = req->res.status,
                              .latency_us = latency_us,
                              .bytes = (unsigned long long)req->bytes_sent};
    sts_log_request(&line);
    sts_metrics_count_request(STS_METRICS_REST, facts != NULL ? facts->method_index : -1, req->res.status, latency_us);
}

void sts__rest_access_log_register(h2o_pathconf_t *path)
{
    h2o_logger_t *logger = h2o_create_logger(path, sizeof(*logger));
    logger->log_access = log_access;
}
