/* Checking a JWT's header and signature; internal to the auth module (used by jwt.c). */
#ifndef STS_AUTH_JWT_HEADER_H
#define STS_AUTH_JWT_HEADER_H
#include <stddef.h>
#include <yajl/yajl_tree.h>
#include "auth/jwk.h"
#include "auth/jwt.h"

/**
 * Checks the parsed JOSE header of token: a typ, when present, of JWT or at+jwt; an accepted alg and no crit; then
 * the signature (sig, sig_len) over the first signed_len characters of token with the keys the kid and alg point
 * at (a kid-less token with at most STS_JWT_MAX_KIDLESS_KEYS candidates). STS_JWT_OK, or the failed check with an
 * explanation in why that never contains the token. Thread-safe.
 */
sts_jwt_result_t sts__jwt_check_header(const sts_jwk_set_t *keys, yajl_val header, const char *token, size_t signed_len,
                                       const unsigned char *sig, size_t sig_len, char *why, size_t why_size);

#endif
