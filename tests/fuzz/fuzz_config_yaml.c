/*
 * The YAML configuration file (--config), through the whole loader and validator: each input is written to a
 * private temporary file that stsd's option table then reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "server/config.h"

static char path[] = "/tmp/sts-fuzz-config-XXXXXX";

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    char *argv[] = {"stsd", "--config", path, NULL};
    char *envp[] = {NULL};
    sts_config_t config;
    sts_config_init(&config);
    char error[512];
    (void)sts_config_load(&config, 3, argv, envp, error, sizeof(error));
    sts_config_dispose(&config);
    return 0;
}
