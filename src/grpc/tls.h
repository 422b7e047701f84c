/* TLS for the gRPC adapter; internal to it. */
#ifndef STS_GRPC_TLS_H
#define STS_GRPC_TLS_H
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include "crypto/tls_credentials.h"
#include "util/arena.h"

/** What gRPC's certificate fetcher reads; lives until the gRPC server that uses it is destroyed. */
typedef struct sts__grpc_tls_s sts__grpc_tls_t;

/**
 * Creates server credentials that take their certificate from source, fetched again at each handshake only when
 * source's generation changed (gRPC then rebuilds its handshaker factory; the old set keeps serving otherwise).
 * When source has client CA certificates, clients must present a certificate that chains to them
 * (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY). gRPC 1.51 allows TLS 1.2 and 1.3 only, with
 * ECDHE AES-GCM suites. *state receives what the fetcher uses: free it with sts__grpc_tls_free after the gRPC
 * server is destroyed. Release the credentials with grpc_server_credentials_release once the port is added.
 */
grpc_server_credentials *sts__grpc_tls_credentials(sts_tls_source_t *source, sts__grpc_tls_t **state);

/** Frees the fetcher's state. NULL is ignored. */
void sts__grpc_tls_free(sts__grpc_tls_t *state);

/**
 * The RFC 2253 subject DN of the call's verified client certificate, copied into arena; NULL when the peer did not
 * authenticate with one. Only meaningful when client certificates are required and verified.
 */
const char *sts__grpc_tls_peer_subject(grpc_call *call, sts_arena_t *arena);

#endif
