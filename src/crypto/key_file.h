/* 32-byte secret keys kept in files as 64 hex characters, generated with mode 0600 when missing. */
#ifndef STS_CRYPTO_KEY_FILE_H
#define STS_CRYPTO_KEY_FILE_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/aead.h"

/**
 * Reads the key at path (surrounding whitespace allowed) with the secret-file reader, so a file that others may read
 * is refused unless secret_files_allow_shared is set. With create_if_missing, a missing file is generated from the
 * CSPRNG with mode 0600 (O_EXCL: when two processes race, the loser reads the winner's key). what names the file
 * in messages ("the session key file"). Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a message naming the
 * file, never its content.
 */
int sts_key_file_load(const char *path, int create_if_missing, const char *what, uint8_t key[STS_AEAD_KEY_BYTES],
                      char *error, size_t error_size);

#endif
