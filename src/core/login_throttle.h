/* Brute-force protection for logins: consecutive failures per username and per client address, in bounded memory. */
#ifndef STS_CORE_LOGIN_THROTTLE_H
#define STS_CORE_LOGIN_THROTTLE_H
#include <stddef.h>
#include <stdint.h>

/** Settings; all positive. */
typedef struct {
    int free_failures;     /**< failures in a row before any delay (5) */
    int64_t base_delay_ms; /**< the delay after the first counted failure; it doubles with each further one (1000) */
    int64_t max_delay_ms;  /**< the longest delay (900000: 15 minutes) */
    int lock_after;        /**< failures in a row after which the user must be locked (100) */
    size_t max_entries;    /**< counters kept at most; the least recently failed are forgotten first (65536) */
} sts_login_throttle_settings_t;

typedef struct sts_login_throttle_s sts_login_throttle_t;

/**
 * Creates a throttle with the settings (copied); its memory (about 60 bytes per entry) is allocated here, once.
 * Returns NULL when out of memory or when a setting is out of range (max_delay_ms must be at least base_delay_ms).
 */
sts_login_throttle_t *sts_login_throttle_create(const sts_login_throttle_settings_t *settings);

/**
 * Before checking a password: 0 when username and address may try now, else the milliseconds to wait (the longer of
 * the two counters' delays). Either key may be NULL. Thread-safe.
 * A counter with n failures in a row delays nothing while n < free_failures, else min(max_delay_ms,
 * base_delay_ms × 2^(n − free_failures)) from its last failure: with the defaults, the attempt after 5 failures
 * waits 1 s, after 6 failures 2 s. A clock that went back waits at most the whole delay.
 */
int64_t sts_login_throttle_wait_ms(sts_login_throttle_t *throttle, const char *username, const char *address,
                                   int64_t now_ms);

/**
 * Records a failed login at now_ms for username and address (either may be NULL). Returns the username's failures
 * in a row, including this one (0 when username is NULL). Thread-safe.
 */
int sts_login_throttle_failure(sts_login_throttle_t *throttle, const char *username, const char *address,
                               int64_t now_ms);

/** A successful login: forgets the counters of username and address. Thread-safe. */
void sts_login_throttle_success(sts_login_throttle_t *throttle, const char *username, const char *address);

/**
 * Counters several processes share (replicas on one database), which then decide instead of this process's memory:
 * address is nonzero for a client address, zero for a username. Each returns 0, or -1 when the shared counters
 * cannot answer (the process's own counters then decide, so an outage never stops logins or their throttling).
 */
typedef struct {
    /** Adds a failure of key at now_ms and gives the failures in a row, this one included. */
    int (*add_failure)(void *data, int address, const char *key, int64_t now_ms, int *failures);
    /** The failures in a row of key and the time of the last (0 and 0 for none). */
    int (*failures)(void *data, int address, const char *key, int *failures, int64_t *last_failure_ms);
    /** Forgets key's failures (a successful login, an unlock). */
    int (*forget)(void *data, int address, const char *key);
    void *data;
} sts_login_throttle_shared_t;

/** Uses shared (copied; data borrowed) from now on. Call before the throttle is used from other threads. */
void sts_login_throttle_share(sts_login_throttle_t *throttle, const sts_login_throttle_shared_t *shared);

/** Counters held now (for tests of the bound). Thread-safe. */
size_t sts_login_throttle_size(sts_login_throttle_t *throttle);

/** Frees the throttle and its counters; NULL is ignored. Not thread-safe: no other call may be running. */
void sts_login_throttle_destroy(sts_login_throttle_t *throttle);

/** SipHash-2-4 of len bytes under a 128-bit key, as the throttle identifies its keys; exported for its test vectors. */
uint64_t sts__login_throttle_siphash(const uint8_t key[16], const void *data, size_t len);

#endif
