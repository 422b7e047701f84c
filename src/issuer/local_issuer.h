/* The local issuer: mints credentials and self-contained sealed session tokens with no upstream. */
#ifndef STS_ISSUER_LOCAL_ISSUER_H
#define STS_ISSUER_LOCAL_ISSUER_H

#include <stddef.h>

#include "core/issuer.h"
#include "core/secret_ring.h"

/**
 * Creates the local issuer on keys (borrowed; it must outlive the issuer): new session tokens are sealed with the
 * ring's active key, and tokens sealed with any key still in the ring open. The issuer is thread-safe; release it
 * with its destroy function after all calls have finished.
 */
sts_issuer_t *sts_local_issuer_create(sts_secret_ring_t *keys);

#endif
