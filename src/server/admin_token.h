/* The first admin access token, created on first start so the secure default is also usable. */
#ifndef STS_SERVER_ADMIN_TOKEN_H
#define STS_SERVER_ADMIN_TOKEN_H
#include <stddef.h>
#include <stdint.h>
#include "core/secret_ring.h"
#include "crypto/access_token.h"
#include "store/store.h"

/**
 * When the store holds no token, creates one for the LOCAL user "admin" (created by "stsd", with no role ceiling:
 * its roles are whatever access_token_roles grants "admin"), expiring after lifetime_us, and writes it to
 * <data_dir>/admin.token (mode 0600, never overwritten). Logs only the file's path and the expiry. Returns 0 (also
 * when nothing was needed), or -1 with a message in error.
 */
int sts_server_bootstrap_admin_token(sts_store_t *store, sts_secret_ring_t *keys, const char *data_dir,
                                     int64_t lifetime_us, char *error, size_t error_size);

/**
 * Creates an access token for the LOCAL user name, created by "stsd", with role_ceiling ceiling (NULL: none; the
 * roles still come from access_token_roles), expiring after lifetime_us, beyond the per-user token limit (offline
 * administration, and the first token). Writes the bearer token into token (the caller wipes it) and the stored record
 * into record (its strings borrow name and ceiling). Returns 0, or -1 with a message in error (never the token).
 */
int sts_server_mint_admin_token(sts_store_t *store, sts_secret_ring_t *keys, const char *name, const char *ceiling,
                                int64_t lifetime_us, char token[STS_ACCESS_TOKEN_CHARS + 1], sts_token_record_t *record,
                                char *error, size_t error_size);

#endif
