/* Where the server is and which token to send: flags, then STS_URL/STS_TOKEN, then the config file. */
#ifndef STS_CTL_SETTINGS_H
#define STS_CTL_SETTINGS_H
#include "ctl/args.h"
#include "ctl/ctl.h"

/** The URL used when no flag, variable or config file names one (stsd's default REST listener). */
#define STS_CTL_DEFAULT_URL "http://127.0.0.1:9090"

/**
 * Fills ctl from the common flags (as sts_ctl_args_parse left them), the environment (STS_URL, STS_TOKEN,
 * STS_CACERT) and the config file: --config FILE, else $STSCTL_CONFIG, else <config dir>/config where the config dir is
 * $XDG_CONFIG_HOME/stsctl or ~/.config/stsctl (a missing default file is no error). The file holds "key = value"
 * lines (url, token, token_file, cacert, timeout; '#' starts a comment). For each setting the flag wins over the
 * variable, the variable over the file. A token file's first line is the token (surrounding white space removed).
 * Returns STS_CTL_EXIT_OK, or STS_CTL_EXIT_USAGE after printing what was wrong (naming the file, line or
 * variable, never a token). On failure ctl holds nothing to dispose. Not thread-safe (reads the environment).
 */
int sts_ctl_settings_resolve(sts_ctl_t *ctl, const sts_ctl_flag_t *common);

/**
 * Reads the first line of path into a malloc'd string (white space around it removed) for a token. Returns NULL
 * after printing a message naming the file (and never its content) when it cannot be read or is empty.
 */
char *sts_ctl_settings_read_token_file(const char *path);

#endif
