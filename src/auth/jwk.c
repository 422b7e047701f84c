#include "auth/jwk.h"
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "util/base64.h"
#include "util/log.h"
#include "util/text.h"

static const struct {
    const char *name;
    sts_jwt_alg_t alg;
} alg_names[] = {
    {"RS256", STS_JWT_RS256}, {"RS384", STS_JWT_RS384}, {"RS512", STS_JWT_RS512}, {"PS256", STS_JWT_PS256},
    {"ES256", STS_JWT_ES256}, {"ES384", STS_JWT_ES384}, {"EdDSA", STS_JWT_EDDSA},
};

sts_jwt_alg_t sts_jwt_alg_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
        if (strcmp(alg_names[i].name, name) == 0)
            return alg_names[i].alg;
    }
    return 0;
}

static const char *member(yajl_val object, const char *name)
{
    const char *path[] = {name, NULL};
    yajl_val value = yajl_tree_get(object, path, yajl_t_string);
    return value != NULL ? YAJL_GET_STRING(value) : NULL;
}

/* Decodes a base64url member into a new buffer; NULL when absent or malformed. */
static unsigned char *decode_member(yajl_val object, const char *name, size_t *len)
{
    const char *text = member(object, name);
    if (text == NULL)
        return NULL;
    size_t size = sts_base64_decoded_max(strlen(text)) + 1;
    unsigned char *out = malloc(size);
    if (out == NULL)
        sts_log_fatal("out of memory");
    long n = sts_base64_decode(text, strlen(text), out, size, STS_BASE64_URL_RAW);
    if (n <= 0) {
        free(out);
        return NULL;
    }
    *len = (size_t)n;
    return out;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *build)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(build);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *key = NULL;
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return key;
}

static EVP_PKEY *rsa_key(yajl_val jwk, const char **why)
{
    size_t n_len = 0, e_len = 0;
    unsigned char *n = decode_member(jwk, "n", &n_len), *e = decode_member(jwk, "e", &e_len);
    EVP_PKEY *key = NULL;
    *why = "an RSA key needs base64url n and e";
    if (n != NULL && e != NULL && n_len * 8 < 2048) {
        *why = "RSA keys shorter than 2048 bits are refused";
    } else if (n != NULL && e != NULL) {
        BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL), *bn_e = BN_bin2bn(e, (int)e_len, NULL);
        OSSL_PARAM_BLD *build = OSSL_PARAM_BLD_new();
        if (build != NULL && OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
            OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e))
            key = from_params("RSA", build);
        OSSL_PARAM_BLD_free(build);
        BN_free(bn_n);
        BN_free(bn_e);
        *why = "OpenSSL refused the RSA key";
    }
    free(n);
    free(e);
    return key;
}

static EVP_PKEY *ec_key(yajl_val jwk, unsigned *algs, const char **why)
{
    const char *crv = member(jwk, "crv");
    const char *group = NULL;
    size_t coordinate = 0;
    if (crv != NULL && strcmp(crv, "P-256") == 0) {
        group = "prime256v1", coordinate = 32, *algs = STS_JWT_ES256;
    } else if (crv != NULL && strcmp(crv, "P-384") == 0) {
        group = "secp384r1", coordinate = 48, *algs = STS_JWT_ES384;
    } else {
        *why = "EC keys must be on P-256 or P-384";
        return NULL;
    }
    size_t x_len = 0, y_len = 0;
    unsigned char *x = decode_member(jwk, "x", &x_len), *y = decode_member(jwk, "y", &y_len);
    EVP_PKEY *key = NULL;
    *why = "an EC key needs base64url x and y of the curve's size";
    if (x != NULL && y != NULL && x_len == coordinate && y_len == coordinate) {
        unsigned char point[1 + 2 * 48];
        point[0] = 0x04; /* uncompressed */
        memcpy(point + 1, x, coordinate);
        memcpy(point + 1 + coordinate, y, coordinate);
        OSSL_PARAM_BLD *build = OSSL_PARAM_BLD_new();
        if (build != NULL && OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
            OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * coordinate))
            key = from_params("EC", build);
        OSSL_PARAM_BLD_free(build);
        *why = "OpenSSL refused the EC key (is the point on the curve?)";
    }
    free(x);
    free(y);
    return key;
}

static EVP_PKEY *okp_key(yajl_val jwk, const char **why)
{
    const char *crv = member(jwk, "crv");
    size_t x_len = 0;
    unsigned char *x = crv != NULL && strcmp(crv, "Ed25519") == 0 ? decode_member(jwk, "x", &x_len) : NULL;
    EVP_PKEY *key = x != NULL && x_len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, x_len) : NULL;
    *why = "OKP keys must be Ed25519 with a 32-byte x";
    free(x);
    return key;
}

/* One JWK; returns 1 added, 0 skipped (not a signature key we use), -1 malformed. */
static int add_jwk(sts_jwk_set_t *set, yajl_val jwk, size_t index, char *error, size_t error_size)
{
    const char *kty = member(jwk, "kty"), *use = member(jwk, "use"), *alg = member(jwk, "alg");
    if (!YAJL_IS_OBJECT(jwk) || kty == NULL) {
        snprintf(error, error_size, "JWKS key %zu has no kty", index);
        return -1;
    }
    if ((use != NULL && strcmp(use, "sig") != 0) || strcmp(kty, "oct") == 0)
        return 0;
    unsigned algs = 0;
    const char *why = "unsupported key type";
    EVP_PKEY *key = NULL;
    if (strcmp(kty, "RSA") == 0) {
        algs = STS_JWT_RS256 | STS_JWT_RS384 | STS_JWT_RS512 | STS_JWT_PS256;
        key = rsa_key(jwk, &why);
    } else if (strcmp(kty, "EC") == 0) {
        key = ec_key(jwk, &algs, &why);
    } else if (strcmp(kty, "OKP") == 0) {
        algs = STS_JWT_EDDSA;
        key = okp_key(jwk, &why);
    } else {
        return 0;
    }
    if (key != NULL && alg != NULL) {
        /* A key that names its algorithm may be used with that one only, and it must suit the key. */
        unsigned named = sts_jwt_alg_from_name(alg);
        if ((named & algs) == 0) {
            why = "its alg does not suit its key type, or is not allowed";
            EVP_PKEY_free(key);
            key = NULL;
        }
        algs = named;
    }
    const char *kid = member(jwk, "kid");
    if (key == NULL) {
        snprintf(error, error_size, "JWKS key %zu (kid %.64s): %s", index, kid != NULL ? kid : "none", why);
        return -1;
    }
    sts_jwk_t *slot = &set->keys[set->count++];
    slot->kid = sts_strdup(kid); /* a failed copy must not leave NULL, which would make the key a kid-less wildcard */
    slot->algs = algs;
    slot->key = key;
    return 1;
}

int sts_jwk_set_parse(const char *json, size_t len, sts_jwk_set_t **out, char *error, size_t error_size)
{
    if (len > STS_JWKS_MAX_BYTES) {
        snprintf(error, error_size, "the JWKS document is larger than %d bytes", STS_JWKS_MAX_BYTES);
        return -1;
    }
    char *text = malloc(len + 1);
    if (text == NULL)
        sts_log_fatal("out of memory");
    memcpy(text, json, len);
    text[len] = '\0';
    char parse_error[256] = "";
    yajl_val root = yajl_tree_parse(text, parse_error, sizeof(parse_error));
    free(text);
    const char *path[] = {"keys", NULL};
    yajl_val keys = root != NULL ? yajl_tree_get(root, path, yajl_t_array) : NULL;
    if (keys == NULL) {
        snprintf(error, error_size, "the JWKS is not a JSON object with a \"keys\" array%s%.200s",
                 parse_error[0] ? ": " : "", parse_error);
        yajl_tree_free(root);
        return -1;
    }
    sts_jwk_set_t *set = calloc(1, sizeof(*set));
    if (set == NULL || (set->keys = calloc(keys->u.array.len + 1, sizeof(sts_jwk_t))) == NULL)
        sts_log_fatal("out of memory");
    int rc = 0;
    for (size_t i = 0; i < keys->u.array.len && rc == 0; i++)
        rc = add_jwk(set, keys->u.array.values[i], i, error, error_size) < 0 ? -1 : 0;
    yajl_tree_free(root);
    if (rc != 0) {
        sts_jwk_set_free(set);
        return -1;
    }
    *out = set;
    return 0;
}

/* The algorithms a PEM public key may verify; 0 for a type or size we refuse. */
static unsigned pem_key_algorithms(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048)
        return STS_JWT_RS256 | STS_JWT_RS384 | STS_JWT_RS512 | STS_JWT_PS256;
    if (EVP_PKEY_is_a(key, "EC"))
        return EVP_PKEY_get_bits(key) == 256 ? STS_JWT_ES256 : EVP_PKEY_get_bits(key) == 384 ? STS_JWT_ES384 : 0;
    if (EVP_PKEY_is_a(key, "ED25519"))
        return STS_JWT_EDDSA;
    return 0;
}

/* Longest PEM key file read: room for STS_PEM_KEYS_MAX RSA-4096 keys. */
#define PEM_FILE_MAX_BYTES (64 * 1024)

int sts_jwk_set_add_pem(sts_jwk_set_t **set, const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        snprintf(error, error_size, "cannot open the JWT key %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(PEM_FILE_MAX_BYTES + 1);
    if (text == NULL)
        sts_log_fatal("out of memory");
    size_t len = fread(text, 1, PEM_FILE_MAX_BYTES + 1, file);
    fclose(file);
    if (len > PEM_FILE_MAX_BYTES) {
        free(text);
        snprintf(error, error_size, "%s is larger than %d bytes", path, PEM_FILE_MAX_BYTES);
        return -1;
    }
    text[len] = '\0';
    /* Every PEM block must be a key we use: a private key or a certificate left in the file is a mistake to say. */
    size_t blocks = 0;
    for (const char *p = text; (p = strstr(p, "-----BEGIN ")) != NULL; p += 11)
        blocks++;
    /* An identity provider rolling its key publishes the old and the new one together: every block is a key. */
    sts_jwk_t found[STS_PEM_KEYS_MAX];
    size_t count = 0;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        sts_log_fatal("out of memory");
    for (EVP_PKEY *key; count < STS_PEM_KEYS_MAX && (key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) != NULL;) {
        unsigned algs = pem_key_algorithms(key);
        if (algs == 0) {
            EVP_PKEY_free(key);
            break;
        }
        found[count++] = (sts_jwk_t){NULL, algs, key};
    }
    BIO_free(bio);
    ERR_clear_error();
    OPENSSL_cleanse(text, len);
    free(text);
    if (count == 0 || count != blocks) {
        for (size_t i = 0; i < count; i++)
            EVP_PKEY_free(found[i].key);
        if (blocks > STS_PEM_KEYS_MAX)
            snprintf(error, error_size, "%s holds %zu PEM blocks; at most %d keys are read", path, blocks,
                     STS_PEM_KEYS_MAX);
        else
            snprintf(error, error_size,
                     "%s: PEM block %zu is not a public key of a supported type (RSA >= 2048 bits, P-256, P-384, "
                     "Ed25519)",
                     path, count + 1);
        return -1;
    }
    sts_jwk_set_t *s = *set;
    if (s == NULL)
        s = *set = calloc(1, sizeof(*s));
    sts_jwk_t *grown = s != NULL ? realloc(s->keys, (s->count + count) * sizeof(sts_jwk_t)) : NULL;
    if (grown == NULL)
        sts_log_fatal("out of memory");
    s->keys = grown;
    memcpy(s->keys + s->count, found, count * sizeof(sts_jwk_t));
    s->count += count;
    return 0;
}

void sts_jwk_set_free(sts_jwk_set_t *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->keys[i].kid);
        EVP_PKEY_free(set->keys[i].key);
    }
    free(set->keys);
    free(set);
}
