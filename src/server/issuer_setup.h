/* Building the configured issuer and keeping its readiness current. */
#ifndef STS_SERVER_ISSUER_SETUP_H
#define STS_SERVER_ISSUER_SETUP_H
#include <stddef.h>
#include "core/issuer.h"
#include "core/readiness.h"
#include "core/secret_ring.h"
#include "server/config.h"

/**
 * Sets the process-wide secret-file override from secret_files_allow_shared (or its deprecated alias
 * rgw_sts_key_file_allow_shared, warned about) and warns when it is on. Call once, before any secret file is read
 * and before threads start.
 */
void sts_server_apply_secret_file_policy(const sts_config_t *config);

/**
 * Creates the issuer config->issuer names; the local issuer seals with session_keys (borrowed). Returns NULL with a
 * message (no secret) in error.
 */
sts_issuer_t *sts_server_create_issuer(const sts_config_t *config, sts_secret_ring_t *session_keys, char *error,
                                       size_t error_size);

typedef struct sts_readiness_checker_s sts_readiness_checker_t;

/**
 * Starts a ticker thread (util/ticker.h, on the monotonic clock) that runs issuer->check at once and then every
 * interval_seconds, recording each outcome in readiness (which starts out not ready until the first check ends).
 * Returns NULL if the thread cannot start.
 */
sts_readiness_checker_t *sts_readiness_checker_start(sts_issuer_t *issuer, sts_readiness_t *readiness,
                                                     int interval_seconds);

/** Wakes the thread, waits for a check in progress to end (bounded by the upstream timeout) and frees it. */
void sts_readiness_checker_stop(sts_readiness_checker_t *checker);

#endif
