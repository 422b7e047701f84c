#include "server/config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "server/config_options.h"
#include "util/log.h"
#include "util/text.h"

extern char **environ;

void sts_config_init(sts_config_t *config)
{
    memset(config, 0, sizeof(*config));
    char error[256];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        if (option->default_value != NULL &&
            sts_option_set(config, option, option->default_value, "default", error, sizeof(error)) != 0)
            sts_log_fatal("bad built-in default: %s", error);
    }
}

void sts_config_dispose(sts_config_t *config)
{
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        if (option->type == STS_OPTION_STRING) {
            char **field = (char **)((char *)config + option->offset);
            free(*field);
            *field = NULL;
        }
    }
}

/* "rest_listen" → "STS_REST_LISTEN" or "--rest-listen". */
static void spell(const char *key, const char *prefix, int upper, char dash, char *out, size_t out_size)
{
    size_t n = (size_t)snprintf(out, out_size, "%s", prefix);
    for (const char *p = key; *p != '\0' && n + 1 < out_size; p++)
        out[n++] = *p == '_' ? dash : (char)(upper ? toupper((unsigned char)*p) : *p);
    out[n] = '\0';
}

static const sts_option_t *find_flag(const char *name, size_t len)
{
    char flag[64];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "--", 0, '-', flag, sizeof(flag));
        if (strlen(flag) == len && memcmp(flag, name, len) == 0)
            return option;
    }
    return NULL;
}

/*
 * Walks the flags. With apply 0 it only validates their shape and finds the action and --config; with apply 1 it
 * sets every option (after the file and environment were read, so flags win).
 */
static int walk_flags(sts_config_t *config, int argc, char **argv, int apply, char *error, size_t error_size)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config->action = STS_CONFIG_HELP;
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            config->action = STS_CONFIG_VERSION;
            continue;
        }
        if (strcmp(arg, "--check-config") == 0) {
            if (config->action == STS_CONFIG_RUN)
                config->action = STS_CONFIG_CHECK;
            continue;
        }
        const char *equals = strchr(arg, '=');
        size_t name_len = equals != NULL ? (size_t)(equals - arg) : strlen(arg);
        const sts_option_t *option = strncmp(arg, "--", 2) == 0 ? find_flag(arg, name_len) : NULL;
        if (option == NULL) {
            snprintf(error, error_size, "unknown option '%.64s'", arg);
            return -1;
        }
        const char *value = equals != NULL ? equals + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            snprintf(error, error_size, "option '%.64s' needs a value", arg);
            return -1;
        }
        char source[80];
        snprintf(source, sizeof(source), "%.*s", (int)name_len, arg);
        int wanted = apply || option->offset == offsetof(sts_config_t, config_file);
        if (wanted && sts_option_set(config, option, value, source, error, error_size) != 0)
            return -1;
    }
    return 0;
}

static int apply_environment(sts_config_t *config, char **envp, char *error, size_t error_size)
{
    char name[80];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "STS_", 1, '_', name, sizeof(name));
        size_t len = strlen(name);
        for (char **entry = envp; *entry != NULL; entry++) {
            if (strncmp(*entry, name, len) == 0 && (*entry)[len] == '=' &&
                sts_option_set(config, option, *entry + len + 1, name, error, error_size) != 0)
                return -1;
        }
    }
    return 0;
}

/* Edit distance of a and b (both short names), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

/*
 * YAML keys and flags that stsd does not know are errors; a variable cannot be one (the environment is shared with
 * other programs), so an STS_* variable stsd does not read is named in a warning, with the closest known one.
 */
static void warn_unknown_variables(char **envp)
{
    /* Read by other programs of this project (stsctl), not by stsd. */
    static const char *const others[] = {"STS_URL", "STS_TOKEN", "STS_CACERT", NULL};
    char name[80], known[80], best[80];
    for (char **entry = envp; *entry != NULL; entry++) {
        size_t len = strcspn(*entry, "=");
        if (strncmp(*entry, "STS_", 4) != 0 || len >= sizeof(name))
            continue;
        memcpy(name, *entry, len);
        name[len] = '\0';
        int found = strcmp(name, "STS_CONFIG") == 0;
        for (const char *const *other = others; *other != NULL && !found; other++)
            found = strcmp(name, *other) == 0;
        const char *closest = NULL;
        size_t closest_distance = 3; /* farther than two edits is no longer a typo */
        for (const sts_option_t *option = sts_options; option->key != NULL && !found; option++) {
            spell(option->key, "STS_", 1, '_', known, sizeof(known));
            found = strcmp(known, name) == 0;
            size_t d = distance(name, known);
            if (d < closest_distance) {
                closest_distance = d;
                memcpy(best, known, sizeof(best));
                closest = best;
            }
        }
        if (found)
            continue;
        if (closest != NULL)
            sts_log_warn("environment variable %s is not an stsd option and is ignored; did you mean %s?", name,
                         closest);
        else
            sts_log_warn("environment variable %s is not an stsd option and is ignored (stsd --help lists them)", name);
    }
}

int sts_config_load(sts_config_t *config, int argc, char **argv, char **envp, char *error, size_t error_size)
{
    if (envp == NULL)
        envp = environ;
    /* The file comes first and everything else overrides it, so find it (flag, else variable) before reading. */
    if (walk_flags(config, argc, argv, 0, error, error_size) != 0)
        return -1;
    if (config->config_file == NULL) {
        const char *from_env = NULL;
        for (char **entry = envp; *entry != NULL; entry++) {
            if (strncmp(*entry, "STS_CONFIG=", 11) == 0)
                from_env = *entry + 11;
        }
        if (from_env != NULL &&
            sts_option_set(config, sts_option_find("config", 6), from_env, "STS_CONFIG", error, error_size) != 0)
            return -1;
    }
    if (config->action == STS_CONFIG_HELP || config->action == STS_CONFIG_VERSION)
        return 0;
    if (config->config_file != NULL && sts_config_load_yaml(config, config->config_file, error, error_size) != 0)
        return -1;
    if (apply_environment(config, envp, error, error_size) != 0)
        return -1;
    warn_unknown_variables(envp);
    if (walk_flags(config, argc, argv, 1, error, error_size) != 0)
        return -1;
    return sts__config_validate(config, error, error_size);
}

void sts_config_print_help(FILE *out)
{
    fprintf(out, "Usage: stsd [OPTION]...\n"
                 "Issues short-lived credentials over REST (h2o) and gRPC.\n\n"
                 "  -h, --help          show this help and exit\n"
                 "      --version       show the version and exit\n"
                 "      --check-config  validate the configuration, print it as YAML and exit\n\n"
                 "Every option below is also an environment variable and a YAML key (flags win over variables,\n"
                 "variables over the file):\n\n");
    char flag[64];
    char variable[64];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "--", 0, '-', flag, sizeof(flag));
        spell(option->key, "STS_", 1, '_', variable, sizeof(variable));
        fprintf(out, "  %s VALUE\n      %s (%s%s%s; default: %s)\n", flag, option->help, variable,
                option->in_yaml ? ", YAML " : "", option->in_yaml ? option->key : "",
                option->default_value == NULL      ? "unset"
                : option->default_value[0] == '\0' ? "empty"
                                                   : option->default_value);
    }
}

static void print_string(FILE *out, const char *value)
{
    fputc('"', out);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

void sts_config_print(const sts_config_t *config, FILE *out)
{
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        const char *field = (const char *)config + option->offset;
        if (option->type == STS_OPTION_INT) {
            fprintf(out, "%s: %d\n", option->key, *(const int *)field);
        } else if (option->type == STS_OPTION_LONG || option->type == STS_OPTION_SECONDS) {
            fprintf(out, "%s: %ld\n", option->key, *(const long *)field);
        } else if (*(char *const *)field != NULL) {
            fprintf(out, "%s%s: ", option->in_yaml ? "" : "# ", option->key);
            /* A URL may carry a user and password; they are not shown (the redacted text is never longer). */
            char *shown = sts_strdup(*(char *const *)field);
            print_string(out, sts_url_redact(*(char *const *)field, shown, strlen(shown) + 1));
            free(shown);
            fputc('\n', out);
        } else {
            fprintf(out, "# %s: (unset)\n", option->key);
        }
    }
}
