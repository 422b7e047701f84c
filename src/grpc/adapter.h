/* The gRPC adapter: gRPC C core serving every row of the method table, driven by its descriptors. */
#ifndef STS_GRPC_ADAPTER_H
#define STS_GRPC_ADAPTER_H
#include <stddef.h>
#include "core/service.h"
#include "crypto/tls_credentials.h"

typedef struct sts_grpc_server_s sts_grpc_server_t;

/**
 * Initialises gRPC, registers every method of the service's table and binds listen ("HOST:PORT"; port 0 picks a
 * free port) with SO_REUSEPORT off, so a port held by another process is an error. Requests larger than
 * max_message_bytes are refused by gRPC with RESOURCE_EXHAUSTED. With tls, the port speaks TLS only, with the
 * certificate tls holds (re-fetched at the next handshake after it changes); when tls has client CA certificates,
 * every client must present a certificate they verify, and its subject reaches the core as
 * call->client_certificate_subject. NULL serves plain text. Returns NULL with a message in error.
 * The service and tls must outlive the server.
 * Lifecycle: create → start → shutdown → destroy, each once, from one thread.
 */
sts_grpc_server_t *sts_grpc_server_create(const sts_service_t *service, const char *listen, int threads,
                                          size_t max_message_bytes, sts_tls_source_t *tls, char *error,
                                          size_t error_size);

/** The bound port. */
int sts_grpc_server_port(const sts_grpc_server_t *server);

/** Starts serving on `threads` completion-queue threads. Returns 0, or -1 if a thread could not be created. */
int sts_grpc_server_start(sts_grpc_server_t *server);

/**
 * Stops taking new calls, gives in-flight calls up to drain_ms to finish, cancels what is left, and joins the
 * threads. Safe to call from any thread other than the server's own.
 */
void sts_grpc_server_shutdown(sts_grpc_server_t *server, int drain_ms);

/** Frees the server and releases gRPC. Call after shutdown, or instead of start if start was never called. */
void sts_grpc_server_destroy(sts_grpc_server_t *server);

#endif
