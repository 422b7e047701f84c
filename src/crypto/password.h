/* Password hashing with argon2id (libargon2), stored as PHC strings. */
#ifndef STS_CRYPTO_PASSWORD_H
#define STS_CRYPTO_PASSWORD_H
#include <stddef.h>
#include <stdint.h>

/** Longest password accepted, in bytes; longer ones are refused before any hashing. */
#define STS_PASSWORD_MAX_BYTES 1024
/** Room for a PHC string of any parameters we accept, with its NUL. */
#define STS_PASSWORD_HASH_MAX 160

/** argon2id cost parameters. OWASP's recommendation is the default: m=19456 KiB, t=2, p=1. */
typedef struct {
    uint32_t memory_kib;
    uint32_t iterations;
    uint32_t parallelism;
} sts_password_params_t;

#define STS_PASSWORD_DEFAULT_MEMORY_KIB  19456
#define STS_PASSWORD_DEFAULT_ITERATIONS  2
#define STS_PASSWORD_DEFAULT_PARALLELISM 1

/** Outcomes of sts_password_verify. */
typedef enum {
    STS_PASSWORD_MISMATCH,
    STS_PASSWORD_MATCH,
    /** Matches, but the hash was made with other parameters than the current ones: store a new hash. */
    STS_PASSWORD_MATCH_REHASH,
    /** The stored string is not an argon2id PHC string we can check (one argon2id computation is still spent). */
    STS_PASSWORD_BAD_HASH,
} sts_password_verdict_t;

/**
 * Checks params: memory 8×parallelism..4194304 KiB, iterations 1..100, parallelism 1..16. Returns 0, or -1 with a
 * message naming the bad parameter (error may be NULL).
 */
int sts_password_params_check(const sts_password_params_t *params, char *error, size_t error_size);

/**
 * Hashes password (len bytes) with a fresh 16-byte random salt into out as a PHC string
 * ("$argon2id$v=19$m=…,t=…,p=…$salt$hash"). Returns 0, or -1 (bad parameters, out too small, no memory).
 * Costs one argon2id computation. Thread-safe.
 */
int sts_password_hash(const sts_password_params_t *params, const char *password, size_t len, char *out,
                      size_t out_size);

/**
 * Checks password against the PHC string hash with the parameters recorded in it, comparing in constant time.
 * MATCH_REHASH when it matches but the recorded parameters differ from current. Exactly one argon2id computation
 * whatever the outcome: a malformed hash is replaced by a dummy hash under current. Thread-safe.
 */
sts_password_verdict_t sts_password_verify(const sts_password_params_t *current, const char *hash, const char *password,
                                           size_t len);

/**
 * Spends exactly the work of a verification under current against a fixed dummy hash, for logins of unknown
 * users, so their timing matches a wrong password's. Thread-safe.
 */
void sts_password_verify_dummy(const sts_password_params_t *current, const char *password, size_t len);

/** How many argon2id computations this process has run (for tests that count the work). Thread-safe. */
uint64_t sts_password_computations(void);

/**
 * Copies into out the parameters of the calling thread's last argon2id computation (all zero before the first), so
 * tests can show which parameters a verification spent. Thread-safe (the record is per thread).
 */
void sts_password_last_computation(sts_password_params_t *out);

#endif
