/* The login that 'stsctl login' keeps: a refresh token in a 0600 file under the user's config directory. */
#ifndef STS_CTL_LOGIN_H
#define STS_CTL_LOGIN_H
#include "ctl/ctl.h"

/**
 * When ctl has no token and a login for ctl->url is stored, sets ctl->token to its access token, refreshing it
 * first (POST /v1/auth/token/refresh, and storing the new pair) when it expires within a minute. No stored login
 * is no error (ctl->token stays NULL). Returns STS_CTL_EXIT_OK, or STS_CTL_EXIT_FAILED after a message (the refresh
 * failed: log in again).
 */
int sts_ctl_login_use(sts_ctl_t *ctl);

#endif
