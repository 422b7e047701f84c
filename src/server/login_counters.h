/* The login throttle's counters in a store several replicas share, so that they all count the same failures. */
#ifndef STS_SERVER_LOGIN_COUNTERS_H
#define STS_SERVER_LOGIN_COUNTERS_H
#include "server/login_setup.h"

/**
 * When setup's store shares login-failure counters (a database the replicas share), makes the throttle count in it:
 * each username or address is stored only as HMAC-SHA256 under the refresh key (which every replica holds), never in
 * the clear. A store that cannot answer leaves the decision to this process's own counters, with a warning at most
 * once a minute. Call from sts_login_setup_start, before the service runs.
 */
void sts_login_counters_share(sts_login_setup_t *setup);

/** Housekeeping: forgets shared counters whose last failure is more than a day old (a no-op without them). */
void sts_login_counters_prune(sts_login_setup_t *setup, int64_t now_ms);

#endif
