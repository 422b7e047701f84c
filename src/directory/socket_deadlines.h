/*
 * Deadlines for sockets that a library blocks on without a timeout of its own: libldap bounds connecting and waiting
 * for results, but not the TLS handshake (of ldaps://, or after StartTLS), so a server that accepts the connection
 * and then says nothing would hold a worker thread for ever. When a socket's deadline passes, one background thread
 * shuts it down (shutdown(2), not close), so the blocked read returns and the handshake fails.
 */
#ifndef STS_DIRECTORY_SOCKET_DEADLINES_H
#define STS_DIRECTORY_SOCKET_DEADLINES_H
#include <stdint.h>

typedef struct sts_socket_deadlines_s sts_socket_deadlines_t;

/** Starts the thread; release with sts_socket_deadlines_destroy. Out of memory or threads is fatal. */
sts_socket_deadlines_t *sts_socket_deadlines_create(void);

/** Stops the thread (no socket is shut down afterwards) and frees everything. Not while another call may run. */
void sts_socket_deadlines_destroy(sts_socket_deadlines_t *deadlines);

/** Shuts fd down timeout_ms from now unless it is disarmed first. Thread-safe. */
void sts_socket_deadlines_arm(sts_socket_deadlines_t *deadlines, int fd, int64_t timeout_ms);

/**
 * Forgets fd's deadline (if any). Call it before fd is closed, so that a number the kernel hands out again is never
 * shut down by mistake. Thread-safe.
 */
void sts_socket_deadlines_disarm(sts_socket_deadlines_t *deadlines, int fd);

#endif
