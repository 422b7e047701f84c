/* The gRPC adapter: gRPC C core serving every row of the method table, unary and streaming (grpc/stream.h), driven by
 * its descriptors, plus server reflection from the descriptors the table embeds (grpc/reflection.h). */
#ifndef STS_GRPC_ADAPTER_H
#define STS_GRPC_ADAPTER_H
#include <stddef.h>
#include "core/service.h"
#include "crypto/tls_credentials.h"

typedef struct sts_grpc_server_s sts_grpc_server_t;

/** What one client may take of the gRPC listener, passed to gRPC core as channel arguments. */
typedef struct {
    /** Largest request message; larger is refused by gRPC with RESOURCE_EXHAUSTED. */
    size_t max_message_bytes;
    /** Calls one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
    int max_concurrent_streams;
    /** Keepalive enforcement: client pings closer than min_ping_interval_ms without data are strikes, and beyond
     * max_ping_strikes (0: unlimited) the connection is closed with GOAWAY ENHANCE_YOUR_CALM. */
    int min_ping_interval_ms;
    int max_ping_strikes;
    /** A connection gets GOAWAY after max_connection_age_ms (0: never), and is closed grace_ms later. */
    int max_connection_age_ms;
    int max_connection_age_grace_ms;
} sts_grpc_limits_t;

/** Fills limits with the defaults of the configuration table (README: Limits). */
void sts_grpc_limits_defaults(sts_grpc_limits_t *limits);

/**
 * Initialises gRPC, registers every method of the service's table and binds listen ("HOST:PORT"; port 0 picks a
 * free port) with SO_REUSEPORT off, so a port held by another process is an error, with limits (copied). With tls, the
 * port speaks TLS only, with the certificate tls holds (re-fetched at the next handshake after it changes); when tls
 * has client CA certificates, every client must present a certificate they verify, and its subject reaches the core as
 * call->client_certificate_subject. NULL serves plain text. Returns NULL with a message in error.
 * The service and tls must outlive the server.
 * Lifecycle: create → start → shutdown → destroy, each once, from one thread.
 */
sts_grpc_server_t *sts_grpc_server_create(const sts_service_t *service, const char *listen, int threads,
                                          const sts_grpc_limits_t *limits, sts_tls_source_t *tls, char *error,
                                          size_t error_size);

/** The bound port. */
int sts_grpc_server_port(const sts_grpc_server_t *server);

/** Starts serving on `threads` completion-queue threads. Returns 0, or -1 if a thread could not be created. */
int sts_grpc_server_start(sts_grpc_server_t *server);

/**
 * Stops taking new calls (every connection gets GOAWAY), gives in-flight calls up to drain_ms to finish, then
 * closes every connection, idle ones included, cancelling what is left, and joins the threads. It returns as soon
 * as the last call in flight has replied. Open streams (Health/Watch, reflection) do not end on their own, so they
 * are told at once (core/stream.h's on_shutdown, else UNAVAILABLE; a stream whose answer is stuck behind a client
 * that does not read is cancelled with UNAVAILABLE) and do not hold the drain. Safe to call from any thread other
 * than the server's own.
 */
void sts_grpc_server_shutdown(sts_grpc_server_t *server, int drain_ms);

/** Frees the server and releases gRPC. Call after shutdown, or instead of start if start was never called. */
void sts_grpc_server_destroy(sts_grpc_server_t *server);

#endif
