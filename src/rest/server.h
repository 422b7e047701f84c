/* The REST adapter: h2o event loops serving the method table's HTTP bindings. */
#ifndef STS_REST_SERVER_H
#define STS_REST_SERVER_H

#include <stddef.h>

#include "core/service.h"
#include "crypto/tls_credentials.h"

typedef struct sts_rest_server_s sts_rest_server_t;

/**
 * Builds the router and binds the listening sockets (one SO_REUSEPORT socket per thread). listen is
 * "HOST:PORT" (port 0 picks a free port). With tls, the server speaks HTTPS only (HTTP/1.1, and HTTP/2 through
 * ALPN) with the certificate tls currently holds at each handshake; NULL serves plain HTTP. Returns NULL with a
 * message in error when the address is invalid or already in use (a probe bind without SO_REUSEPORT refuses to
 * share the port with another process). The service and tls must outlive the server.
 * Lifecycle: create → start → shutdown → destroy, each once, from one thread.
 */
sts_rest_server_t *sts_rest_server_create(const sts_service_t *service, const char *listen, int threads,
                                          size_t max_body_bytes, sts_tls_source_t *tls, char *error, size_t error_size);

/** The bound port (useful when 0 was asked). */
int sts_rest_server_port(const sts_rest_server_t *server);

/**
 * Starts the event-loop threads. Returns 0, or -1 if a thread could not be created; the threads started before it
 * keep running until sts_rest_server_shutdown or sts_rest_server_destroy stops them.
 */
int sts_rest_server_start(sts_rest_server_t *server);

/**
 * Stops accepting, lets in-flight requests finish and open connections close for up to drain_ms, then stops
 * the loops and joins the threads.
 */
void sts_rest_server_shutdown(sts_rest_server_t *server, int drain_ms);

/**
 * Frees the server. Loops still running (start succeeded in part or in full, and shutdown was not called) are
 * stopped and joined first, without a drain, so destroy is safe on every path.
 */
void sts_rest_server_destroy(sts_rest_server_t *server);

#endif
