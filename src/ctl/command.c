/* What every subcommand does before its own work. */
#include "ctl/command.h"

#include <stdio.h>
#include <string.h>

#include "ctl/login.h"
#include "ctl/settings.h"

const char sts_ctl_common_usage[] =
    "Common flags (every subcommand):\n"
    "  --url URL          the stsd REST URL (STS_URL; config 'url'; default " STS_CTL_DEFAULT_URL ")\n"
    "  --token TOKEN      bearer token (STS_TOKEN; config 'token'); else the token of 'stsctl login'\n"
    "  --token-file FILE  read the bearer token from FILE (config 'token_file')\n"
    "  --cacert FILE      PEM CA certificates that verify the server (STS_CACERT; config 'cacert')\n"
    "  --config FILE      the config file (STSCTL_CONFIG; default $XDG_CONFIG_HOME/stsctl/config or\n"
    "                     ~/.config/stsctl/config): 'key = value' lines\n"
    "  --timeout SECONDS  give up on the server after this long (default 30)\n";

int sts_ctl_command_begin(const char *usage, int argc, char **argv, sts_ctl_flag_t *own, size_t own_count,
                          size_t max_positional, int use_login, sts_ctl_args_t *args, sts_ctl_t *ctl, int *done)
{
    sts_ctl_flag_t common[STS_CTL_COMMON_FLAGS];
    sts_ctl_args_common(common);
    *done = 1;
    if (sts_ctl_args_parse(argc, argv, common, STS_CTL_COMMON_FLAGS, own, own_count, max_positional, args) != 0) {
        fprintf(stderr, "usage: %s(see --help)\n", usage + strlen("usage: "));
        return STS_CTL_EXIT_USAGE;
    }
    if (args->help) {
        printf("%s\n%s", usage, sts_ctl_common_usage);
        return STS_CTL_EXIT_OK;
    }
    int status = sts_ctl_settings_resolve(ctl, common);
    if (status != STS_CTL_EXIT_OK)
        return status;
    if (ctl->token == NULL && use_login) {
        status = sts_ctl_login_use(ctl);
        if (status != STS_CTL_EXIT_OK) {
            sts_ctl_dispose(ctl);
            return status;
        }
    }
    *done = 0;
    return STS_CTL_EXIT_OK;
}
