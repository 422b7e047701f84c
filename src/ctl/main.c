/* stsctl: the command-line client of stsd. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_version.h>

#include "ctl/command.h"

static const char usage[] = "usage: stsctl COMMAND [flags]\n"
                            "Commands:\n"
                            "  health              is the server alive (or, with --ready, ready)\n"
                            "  token               get temporary S3 credentials (--format json|env|aws-profile)\n"
                            "  credential-process  the same, as the AWS SDKs' credential_process JSON\n"
                            "  access-token        create|list|get|enable|disable|delete access tokens\n"
                            "  login               log in with a username and password; later commands use that login\n"
                            "  logout              end the login (the server revokes it) and forget it\n"
                            "  --version           print the version and build information\n"
                            "Run 'stsctl COMMAND --help' for a command's flags.\n";

static void print_version(void)
{
    curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    int yajl = yajl_version();
    printf("stsctl %s\n", STS_VERSION);
    printf("built with %s%s, libcurl %s (%s), yajl %d.%d.%d\n",
#ifdef __clang__
           "clang ",
#else
           "gcc ",
#endif
           __VERSION__, curl->version, curl->ssl_version ? curl->ssl_version : "no TLS", yajl / 10000,
           (yajl / 100) % 100, yajl % 100);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"health", sts_ctl_cmd_health},
        {"token", sts_ctl_cmd_token},
        {"credential-process", sts_ctl_cmd_credential_process},
        {"access-token", sts_ctl_cmd_access_token},
        {"login", sts_ctl_cmd_login},
        {"logout", sts_ctl_cmd_logout},
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return STS_CTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        print_version();
        return STS_CTL_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return STS_CTL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            curl_global_init(CURL_GLOBAL_DEFAULT);
            int status = commands[i].run(argc - 2, argv + 2);
            curl_global_cleanup();
            fflush(stdout);
            return ferror(stdout) ? STS_CTL_EXIT_FAILED : status;
        }
    }
    fprintf(stderr, "stsctl: unknown command '%.64s'\n%s", argv[1], usage);
    return STS_CTL_EXIT_USAGE;
}
