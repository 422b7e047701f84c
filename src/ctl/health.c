/* stsctl health: liveness (/healthz) or, with --ready, readiness (/readyz) of the server. */
#include <stdio.h>

#include "ctl/command.h"
#include "ctl/http.h"

static const char usage[] = "usage: stsctl health [--ready] [common flags]\n"
                            "Asks the server whether it is alive (GET /healthz) or, with --ready, ready to issue\n"
                            "credentials (GET /readyz); prints its answer. Exit 0 when it is.\n";

int sts_ctl_cmd_health(int argc, char **argv)
{
    sts_ctl_flag_t own[] = {{"ready", 0, NULL}};
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(usage, argc, argv, own, 1, 0, 0, &args, &ctl, &done);
    if (done)
        return status;
    sts_buf_t response;
    sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
    status = sts_ctl_http_call(&ctl, "GET", own[0].value ? "/readyz" : "/healthz", NULL, NULL, &response);
    if (status == STS_CTL_EXIT_OK) {
        fwrite(response.data, 1, response.len, stdout);
        fputc('\n', stdout);
    }
    sts_buf_dispose(&response);
    sts_ctl_dispose(&ctl);
    return status;
}
