#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "server/config_options.h"
#include "util/log.h"

/* Biggest configuration file read; a larger one is almost certainly the wrong file. */
#define MAX_CONFIG_BYTES (1024 * 1024)

/* Called for each top-level "key: value"; value is NULL when it is not a single scalar. */
typedef int (*pair_fn)(void *context, const char *path, size_t line, const char *key, size_t key_len, const char *value,
                       char *error, size_t error_size);

static int visit_pairs(yaml_document_t *document, const char *path, pair_fn visit, void *context, char *error,
                       size_t error_size)
{
    yaml_node_t *root = yaml_document_get_root_node(document);
    if (root == NULL)
        return 0; /* an empty file sets nothing */
    if (root->type != YAML_MAPPING_NODE) {
        snprintf(error, error_size, "%s:%zu: expected a mapping of key: value", path, root->start_mark.line + 1);
        return -1;
    }
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(document, pair->key);
        yaml_node_t *value = yaml_document_get_node(document, pair->value);
        size_t line = key->start_mark.line + 1;
        if (key->type != YAML_SCALAR_NODE) {
            snprintf(error, error_size, "%s:%zu: keys must be plain names", path, line);
            return -1;
        }
        const char *text = value->type == YAML_SCALAR_NODE ? (const char *)value->data.scalar.value : NULL;
        if (visit(context, path, line, (const char *)key->data.scalar.value, key->data.scalar.length, text, error,
                  error_size) != 0)
            return -1;
    }
    return 0;
}

static int load_file(const char *path, pair_fn visit, void *context, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot open the configuration file %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(MAX_CONFIG_BYTES + 1);
    if (text == NULL) {
        fclose(file);
        snprintf(error, error_size, "out of memory reading %s", path);
        return -1;
    }
    size_t len = fread(text, 1, MAX_CONFIG_BYTES + 1, file);
    fclose(file);
    int rc = -1;
    yaml_parser_t parser;
    yaml_document_t document;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (len > MAX_CONFIG_BYTES) {
        snprintf(error, error_size, "%s: larger than %d bytes", path, MAX_CONFIG_BYTES);
    } else if (!yaml_parser_load(&parser, &document)) {
        snprintf(error, error_size, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem != NULL ? parser.problem : "malformed YAML");
    } else {
        rc = visit_pairs(&document, path, visit, context, error, error_size);
        yaml_document_delete(&document);
    }
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

typedef struct {
    sts_config_t *config;
    unsigned char seen[128];
} options_context_t;

static int set_option(void *data, const char *path, size_t line, const char *key, size_t key_len, const char *value,
                      char *error, size_t error_size)
{
    options_context_t *context = data;
    const sts_option_t *option = sts_option_find(key, key_len);
    if (option == NULL || !option->in_yaml) {
        snprintf(error, error_size, "%s:%zu: unknown key '%.64s'", path, line, key);
        return -1;
    }
    size_t index = (size_t)(option - sts_options);
    if (index < sizeof(context->seen) && context->seen[index]++) {
        snprintf(error, error_size, "%s:%zu: key '%s' appears more than once", path, line, key);
        return -1;
    }
    if (value == NULL) {
        snprintf(error, error_size, "%s:%zu: '%s' must be a single value", path, line, key);
        return -1;
    }
    char source[512];
    snprintf(source, sizeof(source), "%s:%zu: %s", path, line, key);
    return sts_option_set(context->config, option, value, source, error, error_size);
}

int sts_config_load_yaml(sts_config_t *config, const char *path, char *error, size_t error_size)
{
    options_context_t context = {.config = config};
    return load_file(path, set_option, &context, error, error_size);
}

/* The Cray STS rados_conf keys and the options they stand in for when those are not set. */
static const struct {
    const char *key;
    size_t offset;
} rados_keys[] = {
    {"int_endpoint_url", offsetof(sts_config_t, sts_endpoint_url)},
    {"ext_endpoint_url", offsetof(sts_config_t, endpoint_url)},
    {"arn", offsetof(sts_config_t, role_arn)},
};

static int set_rados_value(void *data, const char *path, size_t line, const char *key, size_t key_len,
                           const char *value, char *error, size_t error_size)
{
    sts_config_t *config = data;
    for (size_t i = 0; i < sizeof(rados_keys) / sizeof(rados_keys[0]); i++) {
        if (strlen(rados_keys[i].key) != key_len || memcmp(rados_keys[i].key, key, key_len) != 0)
            continue;
        if (value == NULL) {
            snprintf(error, error_size, "%s:%zu: '%s' must be a single value", path, line, rados_keys[i].key);
            return -1;
        }
        char **field = (char **)((char *)config + rados_keys[i].offset);
        if (*field == NULL || (*field)[0] == '\0') {
            free(*field);
            *field = strdup(value);
            if (*field == NULL)
                sts_log_fatal("out of memory");
        }
    }
    return 0; /* the original file may hold keys of its own; they are not ours to refuse */
}

int sts_config_load_rados(sts_config_t *config, char *error, size_t error_size)
{
    return load_file(config->rados_config_path, set_rados_value, config, error, error_size);
}
