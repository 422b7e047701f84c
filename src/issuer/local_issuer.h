/* The local issuer: mints credentials and self-contained sealed session tokens with no upstream. */
#ifndef STS_ISSUER_LOCAL_ISSUER_H
#define STS_ISSUER_LOCAL_ISSUER_H

#include <stddef.h>

#include "core/issuer.h"

/**
 * Creates the local issuer with the sealing key from key_file, or from <data_dir>/session.key (generated on first
 * start) when key_file is NULL. The data directory must exist. Returns NULL with a message in error.
 * The issuer is immutable and thread-safe; release it with its destroy function after all calls have finished.
 */
sts_issuer_t *sts_local_issuer_create(const char *key_file, const char *data_dir, char *error, size_t error_size);

#endif
