/* Building the configured issuer and keeping its readiness current. */
#ifndef STS_SERVER_ISSUER_SETUP_H
#define STS_SERVER_ISSUER_SETUP_H
#include <stddef.h>
#include "core/issuer.h"
#include "core/readiness.h"
#include "server/config.h"

/** Creates the issuer config->issuer names. Returns NULL with a message (no secret) in error. */
sts_issuer_t *sts_server_create_issuer(const sts_config_t *config, char *error, size_t error_size);

typedef struct sts_readiness_checker_s sts_readiness_checker_t;

/**
 * Starts a thread that runs issuer->check at once and then every interval_seconds, recording each outcome in
 * readiness (which starts out not ready until the first check ends). Returns NULL if the thread cannot start.
 */
sts_readiness_checker_t *sts_readiness_checker_start(sts_issuer_t *issuer, sts_readiness_t *readiness,
                                                     int interval_seconds);

/** Wakes the thread, waits for a check in progress to end (bounded by the upstream timeout) and frees it. */
void sts_readiness_checker_stop(sts_readiness_checker_t *checker);

#endif
