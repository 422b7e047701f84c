/* The public half of a signing key as JWK members: the RFC 7638 thumbprint (the kid) and the JWKS entry. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/signing_key_internal.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/log.h"

/* RSA moduli beyond this are refused: 16384 bits is already far past any key we make or accept. */
#define MAX_MEMBER_BYTES 2048
/* Room for the canonical or public JWK of any key above. */
#define MAX_JWK_CHARS 8192

/* The required members of a public JWK (RFC 7518 §6, RFC 8037 §2), base64url: EC x and y, OKP x, RSA n and e. */
typedef struct {
    const char *kty;
    const char *crv; /* NULL for RSA */
    char *first;     /* EC, OKP: x; RSA: n */
    char *second;    /* EC: y; OKP: NULL; RSA: e */
} members_t;

static char *encode(const uint8_t *bytes, size_t len)
{
    size_t size = sts_base64_encoded_len(len, STS_BASE64_URL_RAW) + 1;
    char *text = malloc(size);
    if (text == NULL)
        sts_log_fatal("out of memory");
    sts_base64_encode(bytes, len, text, size, STS_BASE64_URL_RAW);
    return text;
}

/* A big-endian integer as base64url: minimal length (RSA n, e), or padded to fixed_len (EC coordinates). */
static char *encode_bn(const EVP_PKEY *pkey, const char *param, int fixed_len)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
        return NULL;
    int len = fixed_len > 0 ? fixed_len : BN_num_bytes(bn);
    uint8_t bytes[MAX_MEMBER_BYTES];
    char *text = NULL;
    if (len > 0 && len <= (int)sizeof(bytes) && BN_bn2binpad(bn, bytes, len) == len)
        text = encode(bytes, (size_t)len);
    BN_free(bn);
    return text;
}

static void members_dispose(members_t *m)
{
    free(m->first);
    free(m->second);
}

static int members_of(const EVP_PKEY *pkey, members_t *m)
{
    memset(m, 0, sizeof(*m));
    switch (sts__signing_alg_of(pkey)) {
    case STS_SIGNING_ES256:
        m->kty = "EC", m->crv = "P-256";
        m->first = encode_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        m->second = encode_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        break;
    case STS_SIGNING_EDDSA: {
        uint8_t raw[32];
        size_t len = sizeof(raw);
        m->kty = "OKP", m->crv = "Ed25519";
        if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) == 1 && len == sizeof(raw))
            m->first = encode(raw, len);
        break;
    }
    case STS_SIGNING_RS256:
        m->kty = "RSA";
        m->first = encode_bn(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        m->second = encode_bn(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        break;
    default:
        return -1;
    }
    if (m->first == NULL || (m->second == NULL && strcmp(m->kty, "OKP") != 0)) {
        members_dispose(m);
        return -1;
    }
    return 0;
}

/* A JSON object being written; once an append fails (full), the object is abandoned. */
typedef struct {
    sts_buf_t buf;
    int members;
    int full;
} object_t;

static void object_start(object_t *o)
{
    sts_buf_init(&o->buf, MAX_JWK_CHARS);
    o->members = 0;
    o->full = sts_buf_append_str(&o->buf, "{") != 0;
}

/* Values are base64url or fixed names, so nothing needs escaping. */
static void put(object_t *o, const char *name, const char *value)
{
    if (value == NULL)
        return;
    o->full = o->full || sts_buf_append_str(&o->buf, o->members++ == 0 ? "\"" : ",\"") != 0 ||
              sts_buf_append_str(&o->buf, name) != 0 || sts_buf_append_str(&o->buf, "\":\"") != 0 ||
              sts_buf_append_str(&o->buf, value) != 0 || sts_buf_append_str(&o->buf, "\"") != 0;
}

/* Closes the object; returns 0, or -1 when it did not fit. */
static int object_end(object_t *o)
{
    o->full = o->full || sts_buf_append_str(&o->buf, "}") != 0;
    return o->full ? -1 : 0;
}

int sts_signing_thumbprint(const EVP_PKEY *key, char kid[STS_SIGNING_KID_CHARS + 1])
{
    members_t m;
    if (key == NULL || members_of(key, &m) != 0)
        return -1;
    object_t json;
    object_start(&json);
    /* RFC 7638 §3.2: only the required members, in lexicographic order, without whitespace. */
    if (strcmp(m.kty, "RSA") == 0) {
        put(&json, "e", m.second);
        put(&json, "kty", m.kty);
        put(&json, "n", m.first);
    } else {
        put(&json, "crv", m.crv);
        put(&json, "kty", m.kty);
        put(&json, "x", m.first);
        put(&json, "y", m.second);
    }
    int result = object_end(&json);
    if (result == 0) {
        uint8_t digest[32];
        sts_sha256(json.buf.data, json.buf.len, digest);
        sts_base64_encode(digest, sizeof(digest), kid, STS_SIGNING_KID_CHARS + 1, STS_BASE64_URL_RAW);
    }
    sts_buf_dispose(&json.buf);
    members_dispose(&m);
    return result;
}

int sts_signing_key_public_jwk(const sts_signing_key_t *key, sts_buf_t *out)
{
    members_t m;
    if (members_of(key->pkey, &m) != 0)
        return -1;
    object_t jwk;
    object_start(&jwk);
    put(&jwk, "kty", m.kty);
    if (strcmp(m.kty, "RSA") == 0) {
        put(&jwk, "n", m.first);
        put(&jwk, "e", m.second);
    } else {
        put(&jwk, "crv", m.crv);
        put(&jwk, "x", m.first);
        put(&jwk, "y", m.second);
    }
    put(&jwk, "kid", key->kid);
    put(&jwk, "alg", sts_signing_alg_name(key->alg));
    put(&jwk, "use", "sig");
    int result = object_end(&jwk) == 0 ? sts_buf_append(out, jwk.buf.data, jwk.buf.len) : -1;
    sts_buf_dispose(&jwk.buf);
    members_dispose(&m);
    return result;
}

int sts_signing_key_public_members(const sts_signing_key_t *key, sts_signing_jwk_t *out)
{
    members_t m;
    memset(out, 0, sizeof(*out));
    if (members_of(key->pkey, &m) != 0)
        return -1;
    int rsa = strcmp(m.kty, "RSA") == 0;
    size_t first_size = rsa ? sizeof(out->n) : sizeof(out->x);
    size_t second_size = rsa ? sizeof(out->e) : sizeof(out->y);
    int fits = strlen(m.first) < first_size && (m.second == NULL || strlen(m.second) < second_size);
    if (fits) {
        snprintf(out->kty, sizeof(out->kty), "%s", m.kty);
        snprintf(out->crv, sizeof(out->crv), "%s", m.crv != NULL ? m.crv : "");
        snprintf(rsa ? out->n : out->x, first_size, "%s", m.first);
        snprintf(rsa ? out->e : out->y, second_size, "%s", m.second != NULL ? m.second : "");
    }
    members_dispose(&m);
    return fits ? 0 : -1;
}
