/* Growable byte buffer with a hard maximum. */
#ifndef STS_UTIL_BUF_H
#define STS_UTIL_BUF_H

#include <stddef.h>

/**
 * A heap buffer that grows on demand but never beyond max bytes.
 * Lifecycle: sts_buf_init, appends, sts_buf_dispose. Not thread-safe. Out of memory aborts.
 */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} sts_buf_t;

/** Prepares an empty buffer that will refuse to grow past max bytes. */
void sts_buf_init(sts_buf_t *buf, size_t max);

/** Wipes and frees the storage (a buffer may have held secrets; storage given up while growing is wiped too). */
void sts_buf_dispose(sts_buf_t *buf);

/** Appends len bytes. Returns 0, or -1 (buffer unchanged) if the result would exceed the maximum. */
int sts_buf_append(sts_buf_t *buf, const void *data, size_t len);

/** Appends a NUL-terminated string; same result as sts_buf_append. */
int sts_buf_append_str(sts_buf_t *buf, const char *str);

/** Empties the buffer, keeping its storage. */
void sts_buf_reset(sts_buf_t *buf);

#endif
