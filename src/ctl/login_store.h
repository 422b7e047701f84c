/* The file 'stsctl login' keeps: the server, the access token, its expiry and the refresh token. */
#ifndef STS_CTL_LOGIN_STORE_H
#define STS_CTL_LOGIN_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"

/** The file's name under the config directory, and the lock file's (held while the login is refreshed). */
#define STS_CTL_LOGIN_FILE "login.json"
#define STS_CTL_LOGIN_LOCK "login.lock"

/** One stored login. Strings are malloc'd; the tokens are secrets, wiped by sts_ctl_login_dispose. */
typedef struct {
    char *url;
    char *username;
    char *access_token;
    char *refresh_token;
    int64_t access_expires; /**< the access token's exp (Unix seconds), 0 when unknown */
} sts_ctl_login_t;

/** Wipes and frees the strings of login (which may be partly filled). */
void sts_ctl_login_dispose(sts_ctl_login_t *login);

/** Writes <ctl->config_dir>/name into out. Returns 0, or -1 after a message when there is no config directory. */
int sts_ctl_login_path(const sts_ctl_t *ctl, const char *name, char *out, size_t out_size);

/**
 * Reads the login file at path into out. Returns 0, 1 when there is none (out untouched), or -1 after a message
 * naming the file when it cannot be read or is not a login (never showing its content).
 */
int sts_ctl_login_load(const char *path, sts_ctl_login_t *out);

/**
 * Writes login to path atomically (a temporary file, mode 0600 whatever the umask, then rename), creating the
 * config directory (0700) when missing. Returns 0, or -1 after a message naming the file.
 */
int sts_ctl_login_save(const char *path, const sts_ctl_login_t *login);

/**
 * Takes an exclusive lock on <config dir>/login.lock, so concurrent stsctl runs (an SDK calling credential_process
 * from several threads) refresh a login once: a refresh token used twice revokes the whole login. Returns the
 * descriptor to close (releasing the lock), or -1 after a message.
 */
int sts_ctl_login_lock(const sts_ctl_t *ctl);

/** The exp claim of a JWT (not verified: only to know when to refresh), or 0 when it has none. */
int64_t sts_ctl_login_jwt_expiry(const char *jwt);

#endif
