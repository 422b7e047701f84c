/* A small flag parser: getopt_long would permute argv and print its own messages, which may repeat a token. */
#include "ctl/args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

void sts_ctl_args_common(sts_ctl_flag_t *common)
{
    static const char *const names[STS_CTL_COMMON_FLAGS] = {"url",    "token",  "token-file",
                                                            "cacert", "config", "timeout"};
    for (size_t i = 0; i < STS_CTL_COMMON_FLAGS; i++) {
        common[i].name = names[i];
        common[i].takes_value = 1;
        common[i].value = NULL;
    }
}

static sts_ctl_flag_t *find(sts_ctl_flag_t *flags, size_t count, const char *name, size_t name_len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(flags[i].name) == name_len && memcmp(flags[i].name, name, name_len) == 0)
            return &flags[i];
    return NULL;
}

int sts_ctl_args_parse(int argc, char **argv, sts_ctl_flag_t *common, size_t common_count, sts_ctl_flag_t *own,
                       size_t own_count, size_t max_positional, sts_ctl_args_t *out)
{
    memset(out, 0, sizeof(*out));
    int flags_done = 0;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        if (!flags_done && strcmp(word, "--") == 0) {
            flags_done = 1;
            continue;
        }
        if (!flags_done && (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)) {
            out->help = 1;
            continue;
        }
        if (!flags_done && word[0] == '-' && word[1] != '\0') {
            if (word[1] != '-') {
                sts_ctl_error("unknown flag '%.64s' (flags are spelt --name)", word);
                return -1;
            }
            const char *name = word + 2;
            const char *equals = strchr(name, '=');
            size_t name_len = equals ? (size_t)(equals - name) : strlen(name);
            sts_ctl_flag_t *flag = find(own, own_count, name, name_len);
            if (flag == NULL)
                flag = find(common, common_count, name, name_len);
            if (flag == NULL) {
                sts_ctl_error("unknown flag '--%.*s'", (int)(name_len > 64 ? 64 : name_len), name);
                return -1;
            }
            if (!flag->takes_value) {
                if (equals) {
                    sts_ctl_error("--%s takes no value", flag->name);
                    return -1;
                }
                flag->value = "1";
            } else if (equals) {
                flag->value = equals + 1;
            } else if (i + 1 < argc) {
                flag->value = argv[++i];
            } else {
                sts_ctl_error("--%s needs a value", flag->name);
                return -1;
            }
            continue;
        }
        if (out->positional_count >= max_positional || out->positional_count >= STS_CTL_POSITIONAL_MAX) {
            sts_ctl_error("unexpected argument '%.64s'", word);
            return -1;
        }
        out->positional[out->positional_count++] = word;
    }
    return 0;
}

int sts_ctl_args_number(const char *what, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long value = (text[0] >= '0' && text[0] <= '9') ? strtol(text, &end, 10) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || value < min || value > max) {
        sts_ctl_error("%s must be a whole number from %ld to %ld", what, min, max);
        return -1;
    }
    *out = value;
    return 0;
}
