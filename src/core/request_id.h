/* Request ids: what ties a request's log line, its answer and its upstream calls together. */
#ifndef STS_CORE_REQUEST_ID_H
#define STS_CORE_REQUEST_ID_H
#include <stddef.h>

/** Longest request id accepted from a client; a longer one is replaced. */
#define STS_REQUEST_ID_MAX 128

/**
 * Writes into out the id of a request: incoming (len bytes, the client's x-request-id; NULL for none) when it is a
 * sane token, 1 to STS_REQUEST_ID_MAX characters of A-Z a-z 0-9 and - _ . : / + = @ (so it cannot break a log line or
 * a header), else a new one of 32 hex digits: 16 drawn at random once per thread, then the thread's count of ids
 * (unique without a CSPRNG call per request; an id is not a secret). Thread-safe.
 */
void sts_request_id_choose(const char *incoming, size_t len, char out[STS_REQUEST_ID_MAX + 1]);

#endif
