/* Resolution of stsctl's settings; the precedence (flag, variable, file) is the one aws and vault use. */
#include "ctl/settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/text.h"

typedef struct {
    char *url, *token, *token_file, *cacert, *timeout;
} file_values_t;

static void file_values_dispose(file_values_t *values)
{
    free(values->url);
    if (values->token) {
        volatile char *p = values->token;
        while (*p)
            *p++ = 0;
    }
    free(values->token);
    free(values->token_file);
    free(values->cacert);
    free(values->timeout);
}

static char *trim(char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        text[--len] = '\0';
    return text;
}

static void config_dir(sts_ctl_t *ctl)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    ctl->config_dir[0] = '\0';
    if (xdg != NULL && xdg[0] == '/')
        snprintf(ctl->config_dir, sizeof(ctl->config_dir), "%s/stsctl", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(ctl->config_dir, sizeof(ctl->config_dir), "%s/.config/stsctl", home);
}

static int read_config(const char *path, int must_exist, file_values_t *values)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        if (!must_exist && errno == ENOENT)
            return 0;
        sts_ctl_error("cannot read the config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[STS_CTL_VALUE_MAX + 64];
    int number = 0, status = 0;
    while (status == 0 && fgets(line, sizeof(line), file) != NULL) {
        number++;
        if (strchr(line, '\n') == NULL && !feof(file)) {
            sts_ctl_error("%s:%d: the line is longer than %d bytes", path, number, STS_CTL_VALUE_MAX);
            status = -1;
            break;
        }
        char *text = trim(line);
        if (text[0] == '\0' || text[0] == '#')
            continue;
        char *equals = strchr(text, '=');
        if (equals == NULL) {
            sts_ctl_error("%s:%d: expected 'key = value'", path, number);
            status = -1;
            break;
        }
        *equals = '\0';
        char *key = trim(text), *value = trim(equals + 1);
        char **slot = strcmp(key, "url") == 0          ? &values->url
                      : strcmp(key, "token") == 0      ? &values->token
                      : strcmp(key, "token_file") == 0 ? &values->token_file
                      : strcmp(key, "cacert") == 0     ? &values->cacert
                      : strcmp(key, "timeout") == 0    ? &values->timeout
                                                       : NULL;
        if (slot == NULL) {
            sts_ctl_error("%s:%d: unknown key '%.64s' (known: url, token, token_file, cacert, timeout)", path, number,
                          key);
            status = -1;
            break;
        }
        free(*slot);
        *slot = sts_strdup(value);
    }
    /* The line may have held a token. */
    memset(line, 0, sizeof(line));
    fclose(file);
    if (status == 0 && values->token != NULL) {
        struct stat info;
        if (stat(path, &info) == 0 && (info.st_mode & 077) != 0)
            sts_ctl_error("warning: %s holds a token but group or others may read it (chmod 600 it)", path);
    }
    return status;
}

char *sts_ctl_settings_read_token_file(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        sts_ctl_error("cannot read the token file %s: %s", path, strerror(errno));
        return NULL;
    }
    char line[STS_CTL_VALUE_MAX];
    char *result = NULL;
    if (fgets(line, sizeof(line), file) != NULL) {
        char *text = trim(line);
        if (text[0] != '\0')
            result = sts_strdup(text);
    }
    memset(line, 0, sizeof(line));
    fclose(file);
    if (result == NULL)
        sts_ctl_error("the token file %s is empty", path);
    return result;
}

static const char *pick(const char *flag, const char *variable, const char *file)
{
    if (flag != NULL)
        return flag;
    if (variable != NULL && variable[0] != '\0')
        return variable;
    return file;
}

static int too_long(const char *what, const char *value)
{
    if (value != NULL && strlen(value) > STS_CTL_VALUE_MAX) {
        sts_ctl_error("%s is longer than %d bytes", what, STS_CTL_VALUE_MAX);
        return 1;
    }
    return 0;
}

static int resolve_token(sts_ctl_t *ctl, const sts_ctl_flag_t *common, const file_values_t *values)
{
    const char *env_token = getenv("STS_TOKEN");
    if (common[STS_CTL_FLAG_TOKEN].value != NULL && common[STS_CTL_FLAG_TOKEN_FILE].value != NULL) {
        sts_ctl_error("give --token or --token-file, not both");
        return -1;
    }
    if (common[STS_CTL_FLAG_TOKEN].value != NULL) {
        ctl->token = sts_strdup(common[STS_CTL_FLAG_TOKEN].value);
        ctl->token_source = STS_CTL_TOKEN_FLAG;
    } else if (common[STS_CTL_FLAG_TOKEN_FILE].value != NULL) {
        ctl->token = sts_ctl_settings_read_token_file(common[STS_CTL_FLAG_TOKEN_FILE].value);
        ctl->token_source = STS_CTL_TOKEN_FLAG;
    } else if (env_token != NULL && env_token[0] != '\0') {
        ctl->token = sts_strdup(env_token);
        ctl->token_source = STS_CTL_TOKEN_ENV;
    } else if (values->token != NULL) {
        ctl->token = sts_strdup(values->token);
        ctl->token_source = STS_CTL_TOKEN_CONFIG;
    } else if (values->token_file != NULL) {
        ctl->token = sts_ctl_settings_read_token_file(values->token_file);
        ctl->token_source = STS_CTL_TOKEN_CONFIG;
    } else {
        return 0;
    }
    if (ctl->token == NULL)
        return -1;
    if (ctl->token[0] == '\0' || too_long("the token", ctl->token) || strpbrk(ctl->token, "\r\n") != NULL) {
        sts_ctl_error("the token is empty, too long or spans lines");
        return -1;
    }
    return 0;
}

int sts_ctl_settings_resolve(sts_ctl_t *ctl, const sts_ctl_flag_t *common)
{
    memset(ctl, 0, sizeof(*ctl));
    config_dir(ctl);
    file_values_t values = {0};
    const char *config_flag = common[STS_CTL_FLAG_CONFIG].value;
    const char *config_env = getenv("STSCTL_CONFIG");
    int status = 0;
    if (config_flag != NULL || (config_env != NULL && config_env[0] != '\0')) {
        status = read_config(config_flag ? config_flag : config_env, 1, &values);
    } else if (ctl->config_dir[0] != '\0') {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/config", ctl->config_dir);
        status = read_config(path, 0, &values);
    }
    const char *url = pick(common[STS_CTL_FLAG_URL].value, getenv("STS_URL"), values.url);
    const char *cacert = pick(common[STS_CTL_FLAG_CACERT].value, getenv("STS_CACERT"), values.cacert);
    const char *timeout = pick(common[STS_CTL_FLAG_TIMEOUT].value, NULL, values.timeout);
    if (status == 0 && (too_long("the URL", url) || too_long("the CA file name", cacert)))
        status = -1;
    if (status == 0) {
        ctl->url = sts_strdup(url ? url : STS_CTL_DEFAULT_URL);
        size_t len = strlen(ctl->url);
        while (len > 0 && ctl->url[len - 1] == '/')
            ctl->url[--len] = '\0';
        if (strncmp(ctl->url, "http://", 7) != 0 && strncmp(ctl->url, "https://", 8) != 0) {
            sts_ctl_error("the server URL must start with http:// or https://");
            status = -1;
        }
    }
    ctl->timeout_seconds = 30;
    if (status == 0 && timeout != NULL && sts_ctl_args_number("--timeout", timeout, 1, 3600, &ctl->timeout_seconds))
        status = -1;
    if (status == 0)
        ctl->cacert = sts_strdup(cacert);
    if (status == 0)
        status = resolve_token(ctl, common, &values);
    file_values_dispose(&values);
    if (status != 0) {
        sts_ctl_dispose(ctl);
        return STS_CTL_EXIT_USAGE;
    }
    return STS_CTL_EXIT_OK;
}
