/* The subcommands of stsctl and the steps they share (flags, settings, the bearer token). */
#ifndef STS_CTL_COMMAND_H
#define STS_CTL_COMMAND_H
#include "ctl/args.h"
#include "ctl/ctl.h"

/** The usage text of the common flags, printed under each subcommand's own. */
extern const char sts_ctl_common_usage[];

/**
 * Parses a subcommand's words (argv after the subcommand) against the common flags and own, then resolves the
 * settings into ctl; when no token was given and use_login is set, the stored login's (sts_ctl_login_use). usage is
 * the subcommand's help text. Returns STS_CTL_EXIT_OK with *done = 0 when the command
 * should run (ctl then needs sts_ctl_dispose); otherwise *done = 1 and the return value is the exit code: 0 after
 * printing help on stdout for --help, STS_CTL_EXIT_USAGE after a message on stderr.
 */
int sts_ctl_command_begin(const char *usage, int argc, char **argv, sts_ctl_flag_t *own, size_t own_count,
                          size_t max_positional, int use_login, sts_ctl_args_t *args, sts_ctl_t *ctl, int *done);

/** Each subcommand: takes the words after its name; returns the process exit code. */
int sts_ctl_cmd_health(int argc, char **argv);
int sts_ctl_cmd_token(int argc, char **argv);
int sts_ctl_cmd_credential_process(int argc, char **argv);
int sts_ctl_cmd_access_token(int argc, char **argv);
int sts_ctl_cmd_login(int argc, char **argv);
int sts_ctl_cmd_logout(int argc, char **argv);

#endif
