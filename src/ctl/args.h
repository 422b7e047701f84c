/* Command-line flags of one stsctl subcommand: the common ones (--url, --token, ...) plus its own. */
#ifndef STS_CTL_ARGS_H
#define STS_CTL_ARGS_H
#include <stddef.h>

/** One flag a subcommand accepts: "--name VALUE", "--name=VALUE" or, without a value, "--name". */
typedef struct {
    const char *name;  /**< without the leading "--" */
    int takes_value;   /**< 1: needs a value; 0: a switch */
    const char *value; /**< set by sts_ctl_args_parse: points into argv ("1" for a switch), or NULL when absent */
} sts_ctl_flag_t;

/** Most positional arguments a subcommand takes. */
#define STS_CTL_POSITIONAL_MAX 4

/** The result of parsing: positional arguments point into argv. */
typedef struct {
    const char *positional[STS_CTL_POSITIONAL_MAX];
    size_t positional_count;
    int help; /**< --help or -h was given */
} sts_ctl_args_t;

/** The flags every subcommand accepts, in this order: url, token, token-file, cacert, config, timeout. */
enum {
    STS_CTL_FLAG_URL,
    STS_CTL_FLAG_TOKEN,
    STS_CTL_FLAG_TOKEN_FILE,
    STS_CTL_FLAG_CACERT,
    STS_CTL_FLAG_CONFIG,
    STS_CTL_FLAG_TIMEOUT,
    STS_CTL_COMMON_FLAGS
};

/** Fills common (STS_CTL_COMMON_FLAGS entries) with the common flags, all absent. */
void sts_ctl_args_common(sts_ctl_flag_t *common);

/**
 * Parses argv[0..argc) (the words after the subcommand) against common and own (either may be NULL with count 0).
 * "--" ends the flags. A flag given twice keeps the last value. Returns 0, or -1 after printing a message naming
 * the offending word on stderr (unknown flag, missing value, more than max_positional positional arguments).
 * The message never repeats a flag's value (it may be a token).
 */
int sts_ctl_args_parse(int argc, char **argv, sts_ctl_flag_t *common, size_t common_count, sts_ctl_flag_t *own,
                       size_t own_count, size_t max_positional, sts_ctl_args_t *out);

/**
 * Parses text as a whole decimal number from min to max into out. Returns 0, or -1 after printing
 * "<what> must be a whole number from min to max" on stderr.
 */
int sts_ctl_args_number(const char *what, const char *text, long min, long max, long *out);

#endif
