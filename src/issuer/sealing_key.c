#include "issuer/sealing_key.h"

#include <stdio.h>

#include "crypto/key_file.h"

int sts_sealing_key_load(const char *key_file, const char *data_dir, uint8_t key[STS_AEAD_KEY_BYTES], char *error,
                         size_t error_size)
{
    if (key_file != NULL)
        return sts_key_file_load(key_file, 0, "the session key file", key, error, error_size);
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/session.key", data_dir) >= (int)sizeof(path)) {
        snprintf(error, error_size, "the data directory path is too long");
        return -1;
    }
    return sts_key_file_load(path, 1, "the session key file", key, error, error_size);
}
