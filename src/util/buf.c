#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

void sts_buf_init(sts_buf_t *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max;
}

void sts_buf_dispose(sts_buf_t *buf)
{
    /* Buffers carry request bodies, credentials and signatures; the whole capacity may hold an earlier content. */
    if (buf->data != NULL)
        explicit_bzero(buf->data, buf->cap);
    free(buf->data);
    sts_buf_init(buf, buf->max);
}

int sts_buf_append(sts_buf_t *buf, const void *data, size_t len)
{
    if (len > buf->max - buf->len)
        return -1;
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap == 0 ? 256 : buf->cap;
        while (cap < buf->len + len)
            cap *= 2;
        if (cap > buf->max)
            cap = buf->max;
        /* Not realloc: the old storage is wiped before it goes back to the allocator. */
        char *grown = malloc(cap);
        if (grown == NULL)
            sts_log_fatal("out of memory growing a buffer to %zu bytes", cap);
        if (buf->data != NULL) {
            memcpy(grown, buf->data, buf->len);
            explicit_bzero(buf->data, buf->cap);
            free(buf->data);
        }
        buf->data = grown;
        buf->cap = cap;
    }
    if (len != 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

int sts_buf_append_str(sts_buf_t *buf, const char *str)
{
    return sts_buf_append(buf, str, strlen(str));
}

void sts_buf_reset(sts_buf_t *buf)
{
    buf->len = 0;
}
