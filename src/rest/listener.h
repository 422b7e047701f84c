/* Listening sockets for the REST adapter. */
#ifndef STS_REST_LISTENER_H
#define STS_REST_LISTENER_H

#include <stddef.h>

/**
 * Opens count listening sockets on "HOST:PORT" sharing the port through SO_REUSEPORT, after a probe bind without
 * SO_REUSEPORT has shown that no other process holds the port. fds receives the descriptors; *port the bound port.
 * Returns 0, or -1 with a message in error (nothing left open).
 */
int sts_rest_listen(const char *listen, int count, int *fds, int *port, char *error, size_t error_size);

#endif
