/* stsctl's shared state: where the server is, how to authenticate, and the exit codes every command uses. */
#ifndef STS_CTL_CTL_H
#define STS_CTL_CTL_H
#include <limits.h>
#include <stddef.h>

/** Exit codes: success, a failure the server or the network reported, a bad command line or configuration. */
#define STS_CTL_EXIT_OK     0
#define STS_CTL_EXIT_FAILED 1
#define STS_CTL_EXIT_USAGE  2

/** Longest URL, token or path stsctl accepts from a flag, the environment or a file. */
#define STS_CTL_VALUE_MAX 8192

/** Where the bearer token came from (never the token itself), for messages that must not show it. */
typedef enum {
    STS_CTL_TOKEN_NONE,
    STS_CTL_TOKEN_FLAG,
    STS_CTL_TOKEN_ENV,
    STS_CTL_TOKEN_CONFIG,
    STS_CTL_TOKEN_LOGIN,
} sts_ctl_token_source_t;

/**
 * The settings one run uses, resolved from flags, STS_URL/STS_TOKEN and the config file (sts_ctl_settings_resolve).
 * Strings are owned (malloc'd) and freed by sts_ctl_dispose; the token is wiped first. Not thread-safe (one per run).
 */
typedef struct {
    char *url;    /**< base URL without a trailing slash, e.g. "https://sts.example:9443" */
    char *token;  /**< bearer token, or NULL for calls without one; a secret */
    char *cacert; /**< PEM CA file for TLS, or NULL for the system store */
    long timeout_seconds;
    sts_ctl_token_source_t token_source;
    char config_dir[PATH_MAX]; /**< $XDG_CONFIG_HOME/stsctl or ~/.config/stsctl; empty when neither is known */
} sts_ctl_t;

/** Frees and wipes what sts_ctl_settings_resolve filled in; ctl may then be resolved again. */
void sts_ctl_dispose(sts_ctl_t *ctl);

/** Prints "stsctl: <message>" and a newline on stderr. Callers never pass a secret. */
void sts_ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
