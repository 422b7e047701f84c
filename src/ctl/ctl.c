/* stsctl's shared state and its one way of reporting errors. */
#include "ctl/ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_secret(char *text)
{
    if (text == NULL)
        return;
    /* volatile so the wipe is not optimised away before free */
    volatile char *p = text;
    while (*p)
        *p++ = 0;
    free(text);
}

void sts_ctl_dispose(sts_ctl_t *ctl)
{
    free(ctl->url);
    free_secret(ctl->token);
    free(ctl->cacert);
    ctl->url = ctl->token = ctl->cacert = NULL;
    ctl->token_source = STS_CTL_TOKEN_NONE;
}

void sts_ctl_error(const char *fmt, ...)
{
    char message[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    fprintf(stderr, "stsctl: %s\n", message);
}
