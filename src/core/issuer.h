/* The credential issuer interface. Implementations live in src/issuer; core only calls through this table. */
#ifndef STS_CORE_ISSUER_H
#define STS_CORE_ISSUER_H

#include <stdint.h>

#include "core/call.h"
#include "util/timefmt.h"

/** What the caller asked for, already validated against the configured limits. */
typedef struct {
    const char *subject;      /**< principal name, or NULL for an anonymous caller */
    int32_t duration_seconds; /**< lifetime to grant */
    const char *policy;       /**< session policy JSON, or NULL */
} sts_issue_params_t;

/** Issued credentials; strings live in the call arena. */
typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    sts_time_us_t expiration;
} sts_issued_credentials_t;

/** Why a session token is or is not valid. Numbers equal sts.v1.VerifyReason. */
typedef enum {
    STS_VERIFY_VALID = 1,
    STS_VERIFY_TAMPERED = 2,
    STS_VERIFY_EXPIRED = 3,
    STS_VERIFY_FOREIGN_KEY = 4,
    STS_VERIFY_MALFORMED = 5,
    STS_VERIFY_ACCESS_KEY_MISMATCH = 6,
} sts_verify_reason_t;

/** Outcome of verifying credentials; strings live in the call arena. Never carries the secret. */
typedef struct {
    sts_verify_reason_t reason;
    const char *subject;      /**< NULL unless the token could be opened */
    sts_time_us_t expiration; /**< 0 unless the token could be opened */
} sts_verify_result_t;

typedef struct sts_issuer_s sts_issuer_t;

/**
 * An issuer. Its functions are called concurrently from many threads and must be thread-safe.
 * Lifecycle: created by its module's _create function, destroyed through destroy after all calls have finished.
 */
struct sts_issuer_s {
    const char *name;
    /** Non-zero when issue waits on the network: blocking methods then run on the worker pool. */
    int blocking;
    /** Issues credentials. On failure returns a status and sets a message with sts_call_fail. */
    sts_status_t (*issue)(sts_issuer_t *self, sts_call_t *call, const sts_issue_params_t *params,
                          sts_issued_credentials_t *out);
    /** Checks credentials minted by this issuer; NULL when the issuer cannot verify (the call is UNIMPLEMENTED). */
    sts_status_t (*verify)(sts_issuer_t *self, sts_call_t *call, const char *access_key_id, const char *session_token,
                           sts_verify_result_t *out);
    /**
     * Checks that the issuer can issue now (upstream reachable, keys accepted). Blocking; called from the
     * background readiness thread only, never on a request path. Returns OK, or a status with a message (no
     * secrets) in message. NULL when the issuer is always ready.
     */
    sts_status_t (*check)(sts_issuer_t *self, char *message, size_t message_size);
    void (*destroy)(sts_issuer_t *self);
};

#endif
