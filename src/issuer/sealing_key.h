/* The local issuer's sealing key file. */
#ifndef STS_ISSUER_SEALING_KEY_H
#define STS_ISSUER_SEALING_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"

/**
 * Loads the 32-byte key from key_file (64 hex characters, surrounding whitespace allowed). When key_file is NULL
 * the file is <data_dir>/session.key, generated with mode 0600 if it does not exist yet (if another process
 * creates it first, theirs is loaded). A key file readable by group or others is loaded with a warning.
 * Returns 0, or -1 with a message naming the file (never its content) in error.
 */
int sts_sealing_key_load(const char *key_file, const char *data_dir, uint8_t key[STS_AEAD_KEY_BYTES], char *error,
                         size_t error_size);

#endif
