/* Signing keys: generation, JWS compact signatures, lifetime. Sealing is in signing_key_seal.c, JWKs in signing_jwk.c.
 */
#include "crypto/signing_key.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/signing_key_internal.h"
#include "util/base64.h"
#include "util/log.h"

/* ES256 signatures are R and S, 32 bytes each, side by side (RFC 7518 §3.4). */
#define ES256_HALF 32
/* The longest typ written in a header; typ values are short media types such as at+jwt. */
#define MAX_TYP_CHARS 64
/* Room for the largest signature: RSA up to 8192 bits. */
#define MAX_SIGNATURE_BYTES 1024

static const char *const alg_names[] = {
    [STS_SIGNING_ES256] = "ES256", [STS_SIGNING_EDDSA] = "EdDSA", [STS_SIGNING_RS256] = "RS256"};

static int alg_valid(int alg)
{
    return alg >= 0 && alg < (int)(sizeof(alg_names) / sizeof(alg_names[0]));
}

const char *sts_signing_alg_name(sts_signing_alg_t alg)
{
    return alg_valid((int)alg) ? alg_names[alg] : "unknown";
}

int sts_signing_alg_from_name(const char *name)
{
    for (int alg = 0; name != NULL && alg_valid(alg); alg++) {
        if (strcmp(alg_names[alg], name) == 0)
            return alg;
    }
    return -1;
}

int sts__signing_alg_of(const EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "ED25519"))
        return STS_SIGNING_EDDSA;
    if (EVP_PKEY_is_a(pkey, "RSA"))
        return EVP_PKEY_get_bits(pkey) >= 2048 ? STS_SIGNING_RS256 : -1;
    if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[32];
        size_t len = 0;
        if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) == 1 &&
            (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
            return STS_SIGNING_ES256;
    }
    return -1;
}

sts_signing_key_t *sts__signing_key_wrap(EVP_PKEY *pkey, sts_signing_alg_t alg, char *error, size_t error_size)
{
    int actual = sts__signing_alg_of(pkey);
    if (actual != (int)alg) {
        if (actual < 0)
            snprintf(error, error_size, "the key is of an unsupported type, expected an %s key",
                     sts_signing_alg_name(alg));
        else
            snprintf(error, error_size, "the key is an %s key, expected an %s key",
                     sts_signing_alg_name((sts_signing_alg_t)actual), sts_signing_alg_name(alg));
        EVP_PKEY_free(pkey);
        return NULL;
    }
    sts_signing_key_t *key = calloc(1, sizeof(*key));
    if (key == NULL)
        sts_log_fatal("out of memory");
    key->alg = alg;
    key->pkey = pkey;
    if (sts_signing_thumbprint(pkey, key->kid) != 0 ||
        (alg != STS_SIGNING_EDDSA && (key->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)) {
        snprintf(error, error_size, "OpenSSL could not prepare the %s key", sts_signing_alg_name(alg));
        sts_signing_key_free(key);
        return NULL;
    }
    return key;
}

sts_signing_key_t *sts_signing_key_generate(sts_signing_alg_t alg, char *error, size_t error_size)
{
    EVP_PKEY *pkey = NULL;
    switch (alg) {
    case STS_SIGNING_ES256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case STS_SIGNING_EDDSA:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case STS_SIGNING_RS256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        break;
    default:
        snprintf(error, error_size, "unknown signing algorithm %d", (int)alg);
        return NULL;
    }
    if (pkey == NULL) {
        ERR_clear_error();
        snprintf(error, error_size, "OpenSSL could not generate an %s key", sts_signing_alg_name(alg));
        return NULL;
    }
    return sts__signing_key_wrap(pkey, alg, error, error_size);
}

const char *sts_signing_key_kid(const sts_signing_key_t *key)
{
    return key->kid;
}

sts_signing_alg_t sts_signing_key_alg(const sts_signing_key_t *key)
{
    return key->alg;
}

/* A typ goes into the header unescaped, so it is limited to printable ASCII without quote or backslash. */
static int typ_valid(const char *typ)
{
    size_t len = typ == NULL ? 0 : strlen(typ);
    if (len == 0 || len > MAX_TYP_CHARS)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (typ[i] < 0x20 || typ[i] > 0x7e || typ[i] == '"' || typ[i] == '\\')
            return 0;
    }
    return 1;
}

static int append_base64url(sts_buf_t *out, const void *data, size_t len)
{
    size_t chars = sts_base64_encoded_len(len, STS_BASE64_URL_RAW);
    /* Refuse before allocating: the output could never hold it. */
    if (chars > out->max - out->len)
        return -1;
    char *text = malloc(chars + 1);
    if (text == NULL)
        sts_log_fatal("out of memory");
    sts_base64_encode(data, len, text, chars + 1, STS_BASE64_URL_RAW);
    int result = sts_buf_append(out, text, chars);
    free(text);
    return result;
}

/* JWS wants R||S, each left-padded to the curve size, where OpenSSL writes a DER SEQUENCE of two INTEGERs. */
static int der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[2 * ES256_HALF])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (sig == NULL)
        return -1;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok =
        BN_bn2binpad(r, raw, ES256_HALF) == ES256_HALF && BN_bn2binpad(s, raw + ES256_HALF, ES256_HALF) == ES256_HALF;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

/* Signs len bytes of input into sig (MAX_SIGNATURE_BYTES); returns the signature's length, or 0. */
static size_t sign_input(const sts_signing_key_t *key, const char *input, size_t len, uint8_t *sig)
{
    /* A context per call: EVP_PKEY may be shared between threads, an EVP_MD_CTX may not. */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        sts_log_fatal("out of memory");
    EVP_PKEY_CTX *pctx = NULL;
    size_t sig_len = MAX_SIGNATURE_BYTES;
    int ok = EVP_PKEY_get_size(key->pkey) <= MAX_SIGNATURE_BYTES &&
             EVP_DigestSignInit(ctx, &pctx, key->md, NULL, key->pkey) == 1 &&
             (key->alg != STS_SIGNING_RS256 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1) &&
             EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (ok && key->alg == STS_SIGNING_ES256) {
        uint8_t raw[2 * ES256_HALF];
        ok = der_to_raw(sig, sig_len, raw) == 0;
        memcpy(sig, raw, sizeof(raw));
        sig_len = sizeof(raw);
    }
    if (!ok) {
        ERR_clear_error();
        return 0;
    }
    return sig_len;
}

int sts_signing_key_sign(const sts_signing_key_t *key, const char *typ, const char *payload, size_t len, sts_buf_t *out)
{
    if (!typ_valid(typ))
        return -1;
    char header[64 + MAX_TYP_CHARS + STS_SIGNING_KID_CHARS];
    int header_len = snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"%s\",\"kid\":\"%s\"}",
                              sts_signing_alg_name(key->alg), typ, key->kid);
    size_t start = out->len;
    uint8_t sig[MAX_SIGNATURE_BYTES];
    size_t sig_len = 0;
    int ok = header_len > 0 && (size_t)header_len < sizeof(header) &&
             append_base64url(out, header, (size_t)header_len) == 0 && sts_buf_append_str(out, ".") == 0 &&
             append_base64url(out, payload, len) == 0 &&
             (sig_len = sign_input(key, out->data + start, out->len - start, sig)) > 0 &&
             sts_buf_append_str(out, ".") == 0 && append_base64url(out, sig, sig_len) == 0;
    if (!ok) {
        out->len = start;
        return -1;
    }
    return 0;
}

void sts_signing_key_free(sts_signing_key_t *key)
{
    if (key == NULL)
        return;
    /* OpenSSL clears private key material when the last reference goes (BN_clear_free, secure heap for ECX). */
    EVP_PKEY_free(key->pkey);
    EVP_MD_free(key->md);
    free(key);
}
