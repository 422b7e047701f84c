/* stsd's administration commands: users, clients and signing keys in the data directory's store, offline. */
#ifndef STS_SERVER_CLI_H
#define STS_SERVER_CLI_H

/**
 * Runs `stsd user add|list|passwd`, `stsd client add|list`, `stsd keys rotate|list` or `stsd admin-token create` (a
 * new access token printed once on standard output) when argv[1] names one, with
 * any of stsd's own flags (--data-dir, --config, …) beside the command's. Passwords are read from standard input
 * (without echo on a terminal). Returns the exit status (0 done, 1 failed, 2 bad usage), or -1 when argv is not an
 * administration command.
 */
int sts_cli_run(int argc, char **argv);

#endif
