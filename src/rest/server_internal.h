/* State shared by the REST adapter's files; not part of its interface. */
#ifndef STS_REST_SERVER_INTERNAL_H
#define STS_REST_SERVER_INTERNAL_H

#include <arpa/inet.h>
#include <h2o.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/request_id.h"
#include "rest/router.h"
#include "rest/server.h"

/** Most bytes one JSON response may take. */
#define STS_REST_MAX_RESPONSE_BYTES (1024 * 1024)

typedef struct {
    h2o_handler_t super;
    sts_rest_server_t *server;
} sts__rest_handler_t;

typedef struct {
    sts_rest_server_t *server;
    pthread_t thread;
    int started;
    int joined;
    int fd;
    h2o_evloop_t *loop;
    h2o_context_t context;
    h2o_accept_ctx_t accept;
    h2o_socket_t *listener;
    /** Workers hand finished blocking calls back to this loop through it. */
    h2o_multithread_receiver_t finished;
    /** Blocking calls of this loop still on the worker pool; the loop outlives them at shutdown. */
    atomic_int pending;
} sts__rest_thread_t;

struct sts_rest_server_s {
    const sts_service_t *service;
    sts_rest_surface_t surface;
    sts_router_t *router;
    sts_rest_limits_t limits;
    h2o_globalconf_t config;
    /** NULL for plain HTTP; else shared by every loop for the server's life (OpenSSL makes that thread-safe). */
    SSL_CTX *ssl_ctx;
    int port;
    int drain_ms;
    atomic_int stopping;
    /** Requests answered (any status), for the shutdown log line. */
    atomic_ulong answered;
    /** Connections open over all loops, those closed at accept beyond limits.max_connections, and when that was last
     * logged (monotonic ns; one line a second at most, so a flood cannot flood the log). */
    atomic_int connections;
    atomic_ulong refused;
    atomic_llong refusal_logged_ns;
    int thread_count;
    sts__rest_thread_t threads[];
};

/**
 * Serves one routed request: decodes it, dispatches inline or on the worker pool (then replies from this loop
 * when the worker is done), encodes the response. Runs on an event-loop thread.
 */
void sts__rest_serve(sts_rest_server_t *server, h2o_req_t *req, const sts_route_match_t *match);

/** The receiver callback for finished blocking calls; runs on the loop thread that owns receiver. */
void sts__rest_on_finished(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/**
 * Creates the SSL_CTX for HTTPS: TLS 1.2 and later, forward-secret AEAD suites only, no compression or
 * renegotiation, HTTP/2 through ALPN, and at every handshake the certificate source's current set (so reloads need
 * no change here). source must outlive the context. Returns NULL with a message in error.
 */
SSL_CTX *sts__rest_tls_create(sts_tls_source_t *source, char *error, size_t error_size);

/** Adds the filter that renders h2o's own plain-text errors in the service's JSON error shape to path. */
void sts__rest_error_filter_register(sts_rest_server_t *server, h2o_pathconf_t *path);

/** h2o's on_req for every path: routes, transcodes, dispatches and replies. Runs on an event-loop thread. */
int sts__rest_on_request(h2o_handler_t *self, h2o_req_t *req);

/**
 * Answers GET /openapi.json with the generated OpenAPI document and returns 1; returns 0, sending nothing, for any
 * other request. Loop thread only.
 */
int sts__rest_serve_openapi(h2o_req_t *req);

/** Logs one line per answered request (util/log.h's request line) for the requests under path. */
void sts__rest_access_log_register(h2o_pathconf_t *path);

/**
 * What a request's log line and metrics need, gathered while it is served and kept with it (in its pool) until h2o
 * logs it. Strings are static or in the request's pool.
 */
typedef struct {
    /** Its x-request-id when sane, else a new one (core/request_id.h); also sent back as x-request-id. */
    char id[STS_REQUEST_ID_MAX + 1];
    /** CLOCK_MONOTONIC when it arrived: h2o's own timestamps come from its loop's cached clock, too coarse. */
    int64_t started_ns;
    const char *method;          /**< the RPC, "sts.v1.TokenService/IssueToken"; NULL when none was matched */
    long method_index;           /**< its row in the method table, or -1 */
    const char *route_verb;      /**< "PUT" of the route "PUT /token"; NULL when none */
    const char *route_path;      /**< "/token", the binding's path template */
    const char *principal;       /**< who was authenticated, or NULL */
    char peer[INET6_ADDRSTRLEN]; /**< the client's address without port; "" when h2o cannot say */
} sts__rest_facts_t;

/**
 * The request's facts, made on first use: its id chosen (and added to the response's headers), its arrival time and
 * peer taken. Loop thread only.
 */
sts__rest_facts_t *sts__rest_facts(h2o_req_t *req);

#endif
