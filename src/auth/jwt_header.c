/* The JOSE header of a JWT: its type, its algorithm and key id, and the signature they point at. */
#include "auth/jwt_header.h"
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static yajl_val get(yajl_val object, const char *name, yajl_type type)
{
    const char *path[] = {name, NULL};
    return yajl_tree_get(object, path, type);
}

static const EVP_MD *digest_of(sts_jwt_alg_t alg)
{
    switch (alg) {
    case STS_JWT_RS384:
    case STS_JWT_ES384:
        return EVP_sha384();
    case STS_JWT_RS512:
        return EVP_sha512();
    case STS_JWT_EDDSA:
        return NULL;
    default:
        return EVP_sha256();
    }
}

/* JWS carries ECDSA signatures as r || s; OpenSSL wants DER. */
static unsigned char *ecdsa_der(const unsigned char *raw, size_t raw_len, size_t coordinate, size_t *der_len)
{
    if (raw_len != 2 * coordinate)
        return NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)coordinate, NULL), *s = BN_bin2bn(raw + coordinate, (int)coordinate, NULL);
    unsigned char *der = NULL;
    if (sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        int n = i2d_ECDSA_SIG(sig, &der);
        *der_len = n > 0 ? (size_t)n : 0;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

static int verify_signature(EVP_PKEY *key, sts_jwt_alg_t alg, const char *signed_part, size_t signed_len,
                            const unsigned char *sig, size_t sig_len)
{
    unsigned char *der = NULL;
    if (alg == STS_JWT_ES256 || alg == STS_JWT_ES384) {
        der = ecdsa_der(sig, sig_len, alg == STS_JWT_ES256 ? 32 : 48, &sig_len);
        if (der == NULL)
            return 0;
        sig = der;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pkey_ctx = NULL;
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, &pkey_ctx, digest_of(alg), NULL, key) == 1;
    if (ok && alg == STS_JWT_PS256)
        ok = EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok && EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)signed_part, signed_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* Header values quoted in a reason reach a log line and a WWW-Authenticate header: keep them printable ASCII. */
static void printable(const char *text, char *out, size_t out_size)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0' && n + 1 < out_size; p++)
        out[n++] = *p >= 0x20 && *p < 0x7f && *p != '\'' ? *p : '?';
    out[n] = '\0';
}

/* RFC 9068 access tokens say at+jwt, most others JWT; anything else (JOSE, a nested or encrypted type) is another
 * kind of object that happens to be signed by a trusted key, and must not be taken for an access token. */
static sts_jwt_result_t check_type(yajl_val header, char *why, size_t why_size)
{
    yajl_val typ = get(header, "typ", yajl_t_any);
    if (typ == NULL)
        return STS_JWT_OK;
    if (!YAJL_IS_STRING(typ)) {
        snprintf(why, why_size, "typ is not a string: expected JWT or at+jwt");
        return STS_JWT_BAD_TYPE;
    }
    const char *value = YAJL_GET_STRING(typ);
    const char *media = strncasecmp(value, "application/", 12) == 0 ? value + 12 : value;
    if (strcasecmp(media, "JWT") == 0 || strcasecmp(media, "at+jwt") == 0)
        return STS_JWT_OK;
    char shown[48];
    printable(value, shown, sizeof(shown));
    snprintf(why, why_size, "typ '%s' is not accepted: expected JWT or at+jwt", shown);
    return STS_JWT_BAD_TYPE;
}

/* A token with a kid uses that key; one without may use any key; PEM keys have no kid and serve both. */
static int could_verify(const sts_jwk_t *key, const char *kid, sts_jwt_alg_t alg)
{
    int kid_fits = key->kid == NULL || kid == NULL || strcmp(key->kid, kid) == 0;
    return kid_fits && (key->algs & alg) != 0;
}

/* Tries the keys the header points at; the result says which check failed. */
static sts_jwt_result_t check_signature(const sts_jwk_set_t *keys, yajl_val header, const char *token,
                                        size_t signed_len, const unsigned char *sig, size_t sig_len, char *why,
                                        size_t why_size)
{
    yajl_val alg_value = get(header, "alg", yajl_t_string);
    yajl_val kid_value = get(header, "kid", yajl_t_string);
    const char *alg_name = alg_value != NULL ? YAJL_GET_STRING(alg_value) : "";
    const char *kid = kid_value != NULL ? YAJL_GET_STRING(kid_value) : NULL;
    sts_jwt_alg_t alg = sts_jwt_alg_from_name(alg_name);
    char shown[72];
    if (alg == 0) {
        printable(alg_name, shown, 17);
        snprintf(why, why_size, "algorithm '%s' is not accepted", shown);
        return STS_JWT_BAD_ALGORITHM;
    }
    if (get(header, "crit", yajl_t_any) != NULL) {
        snprintf(why, why_size, "malformed: critical header extensions are not supported");
        return STS_JWT_MALFORMED;
    }
    int kid_known = 0, candidates = 0;
    for (size_t i = 0; keys != NULL && i < keys->count; i++) {
        kid_known |= keys->keys[i].kid != NULL && kid != NULL && strcmp(keys->keys[i].kid, kid) == 0;
        candidates += could_verify(&keys->keys[i], kid, alg);
    }
    if (kid == NULL && candidates > STS_JWT_MAX_KIDLESS_KEYS) {
        snprintf(why, why_size, "the token has no kid and %d keys could verify it; the issuer must send kid",
                 candidates);
        return STS_JWT_KID_REQUIRED;
    }
    for (size_t i = 0; candidates > 0 && i < keys->count; i++) {
        const sts_jwk_t *key = &keys->keys[i];
        if (could_verify(key, kid, alg) && verify_signature(key->key, alg, token, signed_len, sig, sig_len))
            return STS_JWT_OK;
    }
    if (candidates > 0) {
        snprintf(why, why_size, "bad signature");
        return STS_JWT_BAD_SIGNATURE;
    }
    printable(kid != NULL ? kid : "", shown, 65);
    if (kid_known) {
        snprintf(why, why_size, "algorithm %s is not allowed for key id '%s'", alg_name, shown);
        return STS_JWT_BAD_ALGORITHM;
    }
    if (kid != NULL) {
        snprintf(why, why_size, "unknown key id '%s'", shown);
        return STS_JWT_UNKNOWN_KID;
    }
    snprintf(why, why_size, "no configured key accepts algorithm %s", alg_name);
    return STS_JWT_BAD_ALGORITHM;
}

sts_jwt_result_t sts__jwt_check_header(const sts_jwk_set_t *keys, yajl_val header, const char *token, size_t signed_len,
                                       const unsigned char *sig, size_t sig_len, char *why, size_t why_size)
{
    sts_jwt_result_t result = check_type(header, why, why_size);
    if (result == STS_JWT_OK)
        result = check_signature(keys, header, token, signed_len, sig, sig_len, why, why_size);
    return result;
}
