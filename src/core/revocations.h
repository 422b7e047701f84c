/*
 * A time per subject, in memory: a user's "tokens not before", or the time since which a client's tokens are valid.
 * The check of the service's own tokens reads it on every call, so a change voids live tokens on every thread at once.
 */
#ifndef STS_CORE_REVOCATIONS_H
#define STS_CORE_REVOCATIONS_H
#include <stdint.h>

/** Longest key held (a user id or a client id), in bytes; longer keys are never found. */
#define STS_REVOCATIONS_KEY_MAX 128

typedef struct sts_revocations_s sts_revocations_t;

/** An empty map. */
sts_revocations_t *sts_revocations_create(void);

/** Sets key's time (microseconds since the epoch), replacing any. Thread-safe. */
void sts_revocations_put(sts_revocations_t *revocations, const char *key, int64_t time_us);

/** 1 and *time_us when key is held, else 0. Thread-safe; takes only a read lock. */
int sts_revocations_get(sts_revocations_t *revocations, const char *key, int64_t *time_us);

/** Forgets key. Thread-safe. */
void sts_revocations_remove(sts_revocations_t *revocations, const char *key);

/** Forgets entries with a time before cutoff_us: every token they could void has expired. Thread-safe. */
void sts_revocations_forget_before(sts_revocations_t *revocations, int64_t cutoff_us);

void sts_revocations_destroy(sts_revocations_t *revocations);

#endif
