/* The REST adapter: h2o event loops serving the method table's HTTP bindings. */
#ifndef STS_REST_SERVER_H
#define STS_REST_SERVER_H

#include <stddef.h>

#include "core/service.h"
#include "crypto/tls_credentials.h"

typedef struct sts_rest_server_s sts_rest_server_t;

/**
 * What one client may take of the REST listener. Every refusal the server can still answer is the service's JSON
 * error; an HTTP/1.1 request head beyond h2o's own fixed caps (100 headers, or H2O_MAX_REQLEN: 417,792 bytes) gets
 * h2o's plain-text 400 and the connection is closed, since h2o answers it before any filter can run.
 */
typedef struct {
    /** Largest request body; larger gets 413 (up to twice it h2o reads the body, beyond that it stops reading). */
    size_t max_body_bytes;
    /** Connections open at once over all loops; a connection accepted beyond it is closed at once and counted. */
    int max_connections;
    /** HTTP/1.1: from accept or the previous response until the whole next request arrived; TLS handshakes. */
    int header_timeout_ms;
    /** HTTP/2: a connection without open streams is closed with GOAWAY after this. */
    int idle_timeout_ms;
    /** Request headers (count, and names plus values in bytes); more get 431. */
    int max_header_count;
    int max_header_bytes;
    /** Method and target together; longer gets 414. */
    int max_request_line_bytes;
} sts_rest_limits_t;

/** Fills limits with the defaults of the configuration table (README: Limits). */
void sts_rest_limits_defaults(sts_rest_limits_t *limits);

/** What a REST listener answers. */
typedef enum {
    STS_REST_SERVE_ALL,     /**< the method table's routes and GET /metrics */
    STS_REST_SERVE_API,     /**< the routes only: /metrics has a listener of its own */
    STS_REST_SERVE_METRICS, /**< GET /metrics only; every other path is 404 */
} sts_rest_surface_t;

/**
 * Builds the router and binds the listening sockets (one SO_REUSEPORT socket per thread), to answer surface. listen is
 * "HOST:PORT" (port 0 picks a free port). With tls, the server speaks HTTPS only (HTTP/1.1, and HTTP/2 through
 * ALPN) with the certificate tls currently holds at each handshake; NULL serves plain HTTP. Returns NULL with a
 * message in error when the address is invalid or already in use (a probe bind without SO_REUSEPORT refuses to
 * share the port with another process). The service and tls must outlive the server.
 * Lifecycle: create → start → shutdown → destroy, each once, from one thread.
 */
sts_rest_server_t *sts_rest_server_create(const sts_service_t *service, sts_rest_surface_t surface, const char *listen,
                                          int threads, const sts_rest_limits_t *limits, sts_tls_source_t *tls,
                                          char *error, size_t error_size);

/** The bound port (useful when 0 was asked). */
int sts_rest_server_port(const sts_rest_server_t *server);

/**
 * Starts the event-loop threads. Returns 0, or -1 if a thread could not be created; the threads started before it
 * keep running until sts_rest_server_shutdown or sts_rest_server_destroy stops them.
 */
int sts_rest_server_start(sts_rest_server_t *server);

/**
 * Stops accepting and closes idle connections at once (HTTP/2 ones with GOAWAY); requests in flight finish, for
 * up to drain_ms, and their connections close after the reply. Then stops the loops and joins the threads.
 */
void sts_rest_server_shutdown(sts_rest_server_t *server, int drain_ms);

/**
 * Frees the server. Loops still running (start succeeded in part or in full, and shutdown was not called) are
 * stopped and joined first, without a drain, so destroy is safe on every path.
 */
void sts_rest_server_destroy(sts_rest_server_t *server);

#endif
