/* Why gRPC could not listen, said before gRPC core tries (and logs its own multi-line error). */
#ifndef STS_GRPC_LISTEN_PROBE_H
#define STS_GRPC_LISTEN_PROBE_H
#include <stddef.h>

/**
 * Binds (and closes at once) a TCP socket on every address listen ("HOST:PORT", "[V6]:PORT") resolves to, as gRPC
 * core will. Returns 0 when it could bind, or -1 with one line in error naming the address and the reason ("Address
 * already in use", "Permission denied", a name that does not resolve, not HOST:PORT). Thread-safe.
 */
int sts__grpc_listen_probe(const char *listen, char *error, size_t error_size);

#endif
