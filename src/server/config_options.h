/* The one option table behind YAML keys, environment variables, flags, defaults and --help. */
#ifndef STS_SERVER_CONFIG_OPTIONS_H
#define STS_SERVER_CONFIG_OPTIONS_H

#include "server/config.h"

/** STS_OPTION_SECONDS is a long number of seconds, written plain or with one unit: 90d, 12h, 30m, 45s. */
typedef enum { STS_OPTION_STRING, STS_OPTION_INT, STS_OPTION_LONG, STS_OPTION_SECONDS } sts_option_type_t;

/** Checks a string value; returns 0 or -1 with a description of what is expected in expected. */
typedef int (*sts_option_check_fn)(const char *value, char *expected, size_t expected_size);

typedef struct {
    const char *key; /**< YAML key; the flag is --key with '-' for '_', the variable STS_KEY */
    sts_option_type_t type;
    size_t offset;             /**< into sts_config_t */
    const char *default_value; /**< NULL: unset */
    long min, max;             /**< for numbers */
    sts_option_check_fn check; /**< for strings; NULL accepts anything */
    int in_yaml;               /**< 0 for options that only make sense outside the file (config itself) */
    const char *help;
} sts_option_t;

/** The table, terminated by a row whose key is NULL. */
extern const sts_option_t sts_options[];

/**
 * Sets one option from text, attributing errors to source ("STS_REST_THREADS", "--rest-threads", "f.yaml:3").
 * Returns 0 or -1 with a message in error.
 */
int sts_option_set(sts_config_t *config, const sts_option_t *option, const char *text, const char *source, char *error,
                   size_t error_size);

/** Finds an option by YAML key (len bytes); NULL if none. */
const sts_option_t *sts_option_find(const char *key, size_t len);

/** Loads a YAML file of key: value pairs onto config. Returns 0 or -1 with a message in error. */
int sts_config_load_yaml(sts_config_t *config, const char *path, char *error, size_t error_size);

/**
 * Reads config->rados_config_path (the Cray STS rados_conf: int_endpoint_url, ext_endpoint_url, arn) and fills
 * sts_endpoint_url, endpoint_url and role_arn where they are still unset or empty. Other keys are ignored.
 * Returns 0 or -1 with a message in error.
 */
int sts_config_load_rados(sts_config_t *config, char *error, size_t error_size);

/**
 * Fills the defaults that depend on other options (the authentication chain, issuer_roles), reads the rados
 * config, and checks the settings that only make sense together. Returns 0, or -1 with a message in error.
 */
int sts__config_validate(sts_config_t *config, char *error, size_t error_size);

#endif
