#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>
#include "server/config_options.h"

/* Biggest configuration file read; a larger one is almost certainly the wrong file. */
#define MAX_CONFIG_BYTES (1024 * 1024)

static int load_pairs(sts_config_t *config, yaml_document_t *document, const char *path, char *error, size_t error_size)
{
    yaml_node_t *root = yaml_document_get_root_node(document);
    if (root == NULL)
        return 0; /* an empty file sets nothing */
    if (root->type != YAML_MAPPING_NODE) {
        snprintf(error, error_size, "%s:%zu: expected a mapping of key: value", path, root->start_mark.line + 1);
        return -1;
    }
    unsigned char seen[64] = {0};
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(document, pair->key);
        yaml_node_t *value = yaml_document_get_node(document, pair->value);
        size_t line = key->start_mark.line + 1;
        if (key->type != YAML_SCALAR_NODE) {
            snprintf(error, error_size, "%s:%zu: keys must be plain names", path, line);
            return -1;
        }
        const char *name = (const char *)key->data.scalar.value;
        const sts_option_t *option = sts_option_find(name, key->data.scalar.length);
        if (option == NULL || !option->in_yaml) {
            snprintf(error, error_size, "%s:%zu: unknown key '%.64s'", path, line, name);
            return -1;
        }
        size_t index = (size_t)(option - sts_options);
        if (index < sizeof(seen) && seen[index]++) {
            snprintf(error, error_size, "%s:%zu: key '%s' appears more than once", path, line, name);
            return -1;
        }
        if (value->type != YAML_SCALAR_NODE) {
            snprintf(error, error_size, "%s:%zu: '%s' must be a single value", path, line, name);
            return -1;
        }
        char source[512];
        snprintf(source, sizeof(source), "%s:%zu: %s", path, line, name);
        if (sts_option_set(config, option, (const char *)value->data.scalar.value, source, error, error_size) != 0)
            return -1;
    }
    return 0;
}

int sts_config_load_yaml(sts_config_t *config, const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot open the configuration file %s: %s", path, strerror(errno));
        return -1;
    }
    static char text[MAX_CONFIG_BYTES + 1];
    size_t len = fread(text, 1, sizeof(text), file);
    fclose(file);
    if (len > MAX_CONFIG_BYTES) {
        snprintf(error, error_size, "%s: larger than %d bytes", path, MAX_CONFIG_BYTES);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t document;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &document)) {
        snprintf(error, error_size, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem != NULL ? parser.problem : "malformed YAML");
    } else {
        rc = load_pairs(config, &document, path, error, error_size);
        yaml_document_delete(&document);
    }
    yaml_parser_delete(&parser);
    return rc;
}
