/* The local issuer: mints credentials and self-contained sealed session tokens with no upstream. */
#ifndef STS_ISSUER_LOCAL_ISSUER_H
#define STS_ISSUER_LOCAL_ISSUER_H

#include <stddef.h>

#include "core/issuer.h"

/**
 * Creates the local issuer with the sealing key (32 bytes as 64 hex characters) from key_file, or from
 * <data_dir>/session.key when key_file is NULL, generated with mode 0600 on first start (if another process creates
 * it first, theirs is loaded). The data directory must exist. The key file is read with the secret-file reader: one
 * that others may read is refused unless secret_files_allow_shared is set. Returns NULL with a message naming the
 * file (never its content) in error.
 * The issuer is immutable and thread-safe; release it with its destroy function after all calls have finished.
 */
sts_issuer_t *sts_local_issuer_create(const char *key_file, const char *data_dir, char *error, size_t error_size);

#endif
