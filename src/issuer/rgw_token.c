#include "issuer/rgw_token.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util/base64.h"
#include "util/thread_block.h"

static const unsigned char fixed_iv[16] = "cephsageyudagreg"; /* RGW's, verbatim; it never changes */

static int put_u8(sts_buf_t *out, uint8_t v)
{
    return sts_buf_append(out, &v, 1);
}

static int put_u32(sts_buf_t *out, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return sts_buf_append(out, le, 4);
}

static int put_str(sts_buf_t *out, const char *s)
{
    size_t len = strlen(s);
    return put_u32(out, (uint32_t)len) | sts_buf_append(out, s, len);
}

static void patch_u32(sts_buf_t *out, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        out->data[at + (size_t)i] = (char)(uint8_t)(v >> (8 * i));
}

int sts_rgw_token_encode(const sts_rgw_token_fields_t *f, sts_buf_t *out)
{
    size_t start = out->len;
    int rc = put_u8(out, STS_RGW_TOKEN_VERSION) | put_u8(out, 1) | put_u32(out, 0);
    rc |= put_str(out, f->access_key_id) | put_str(out, f->secret_access_key) | put_str(out, f->expiration);
    rc |= put_str(out, f->policy) | put_str(out, f->role_id);
    size_t user_start = out->len;
    rc |= put_u8(out, 2) | put_u8(out, 1) | put_u32(out, 0);
    rc |= put_str(out, f->user_tenant) | put_str(out, f->user_id) | put_str(out, f->user_ns);
    if (rc == 0)
        patch_u32(out, user_start + 2, (uint32_t)(out->len - user_start - 6));
    rc |= put_str(out, f->acct_name) | put_u32(out, f->perm_mask) | put_u8(out, f->is_admin);
    rc |= put_u32(out, f->acct_type) | put_str(out, f->role_session) | put_u32(out, 0);
    rc |= put_str(out, f->issued_at) | put_u32(out, 0);
    if (rc == 0)
        patch_u32(out, start + 2, (uint32_t)(out->len - start - 6));
    return rc != 0 ? -1 : 0;
}

typedef struct {
    const uint8_t *p, *end;
    sts_arena_t *arena;
    int bad;
} reader_t;

static uint32_t get_u32(reader_t *r)
{
    if (r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return v;
}

static uint8_t get_u8(reader_t *r)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

static const char *get_str(reader_t *r)
{
    uint32_t len = get_u32(r);
    if (r->bad || (size_t)(r->end - r->p) < len) {
        r->bad = 1;
        return "";
    }
    const char *s = sts_arena_strndup(r->arena, (const char *)r->p, len);
    r->p += len;
    return s;
}

int sts_rgw_token_decode(const uint8_t *plain, size_t len, sts_rgw_token_fields_t *f, sts_arena_t *arena)
{
    reader_t r = {plain, plain + len, arena, 0};
    memset(f, 0, sizeof(*f));
    if (get_u8(&r) != STS_RGW_TOKEN_VERSION || get_u8(&r) != 1 || get_u32(&r) != len - 6 || r.bad)
        return -1;
    f->access_key_id = get_str(&r);
    f->secret_access_key = get_str(&r);
    f->expiration = get_str(&r);
    f->policy = get_str(&r);
    f->role_id = get_str(&r);
    uint8_t user_v = get_u8(&r), user_compat = get_u8(&r);
    get_u32(&r);
    f->user_tenant = get_str(&r);
    f->user_id = get_str(&r);
    f->user_ns = get_str(&r);
    f->acct_name = get_str(&r);
    f->perm_mask = get_u32(&r);
    f->is_admin = get_u8(&r);
    f->acct_type = get_u32(&r);
    f->role_session = get_str(&r);
    uint32_t claims = get_u32(&r);
    f->issued_at = get_str(&r);
    uint32_t tags = get_u32(&r);
    return r.bad || user_v != 2 || user_compat != 1 || claims != 0 || tags != 0 || r.p != r.end ? -1 : 0;
}

/* Fetched once: EVP_aes_128_cbc() makes every init look its implementation up again, under the provider store's lock.
 */
static EVP_CIPHER *aes_128_cbc;
static pthread_once_t aes_128_cbc_once = PTHREAD_ONCE_INIT;

/*
 * Each thread keeps a context per direction with the last key's schedule: a call under the same key only resets the
 * IV, where making, keying and freeing a context per token was a third of the cipher's time. The key copy is wiped
 * when it changes and when the thread exits.
 */
typedef struct {
    uint8_t key[2][STS_RGW_KEY_BYTES];
    int keyed[2];
    EVP_CIPHER_CTX *ctx[2]; /* [0] decrypt, [1] encrypt */
} thread_cipher_t;

static pthread_key_t thread_cipher_key;

static void free_thread_cipher(void *data)
{
    thread_cipher_t *mine = data;
    EVP_CIPHER_CTX_free(mine->ctx[0]);
    EVP_CIPHER_CTX_free(mine->ctx[1]);
    OPENSSL_cleanse(mine, sizeof(*mine));
    free(mine);
}

static void fetch_aes_128_cbc(void)
{
    aes_128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    if (pthread_key_create(&thread_cipher_key, free_thread_cipher) != 0)
        aes_128_cbc = NULL; /* every cipher() then fails, as without the cipher */
}

/* This thread's context for key in that direction, ready for a message; NULL when OpenSSL fails. */
static EVP_CIPHER_CTX *keyed_context(const uint8_t key[STS_RGW_KEY_BYTES], int encrypt)
{
    pthread_once(&aes_128_cbc_once, fetch_aes_128_cbc);
    if (aes_128_cbc == NULL)
        return NULL;
    thread_cipher_t *mine = sts_thread_block(thread_cipher_key, sizeof(thread_cipher_t));
    if (mine->ctx[encrypt] == NULL && (mine->ctx[encrypt] = EVP_CIPHER_CTX_new()) == NULL)
        return NULL;
    int same_key = mine->keyed[encrypt] && CRYPTO_memcmp(mine->key[encrypt], key, STS_RGW_KEY_BYTES) == 0;
    mine->keyed[encrypt] = 0;
    if (EVP_CipherInit_ex2(mine->ctx[encrypt], same_key ? NULL : aes_128_cbc, same_key ? NULL : key, fixed_iv, encrypt,
                           NULL) != 1)
        return NULL;
    memcpy(mine->key[encrypt], key, STS_RGW_KEY_BYTES);
    mine->keyed[encrypt] = 1;
    return mine->ctx[encrypt];
}

/* AES-128-CBC with PKCS#7 padding, as RGW encrypts; encrypt or decrypt len bytes of in, appending to out. */
static int cipher(const uint8_t key[STS_RGW_KEY_BYTES], int encrypt, const uint8_t *in, size_t len, uint8_t *out,
                  size_t *out_len)
{
    EVP_CIPHER_CTX *ctx = keyed_context(key, encrypt);
    int n = 0, final = 0;
    int ok = ctx != NULL && EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
             EVP_CipherFinal_ex(ctx, out + n, &final) == 1;
    *out_len = (size_t)(n + final);
    return ok ? 0 : -1;
}

char *sts_rgw_token_seal(const uint8_t key[STS_RGW_KEY_BYTES], const sts_rgw_token_fields_t *fields, sts_arena_t *arena)
{
    sts_buf_t plain;
    sts_buf_init(&plain, 64 * 1024);
    char *token = NULL;
    if (sts_rgw_token_encode(fields, &plain) == 0) {
        uint8_t *sealed = sts_arena_alloc(arena, plain.len + 16);
        size_t sealed_len = 0;
        if (cipher(key, 1, (const uint8_t *)plain.data, plain.len, sealed, &sealed_len) == 0) {
            size_t size = sts_base64_encoded_len(sealed_len, STS_BASE64_STD) + 1;
            token = sts_arena_alloc(arena, size);
            if (sts_base64_encode(sealed, sealed_len, token, size, STS_BASE64_STD) < 0)
                token = NULL;
        }
    }
    sts_buf_dispose(&plain);
    return token;
}

int sts_rgw_token_open(const uint8_t key[STS_RGW_KEY_BYTES], const char *token, sts_buf_t *plain)
{
    size_t len = strlen(token), max = sts_base64_decoded_max(len);
    uint8_t sealed[16384], opened[16384 + 16];
    if (max > sizeof(sealed))
        return -1;
    long n = sts_base64_decode(token, len, sealed, sizeof(sealed), STS_BASE64_STD);
    size_t opened_len = 0;
    if (n <= 0 || cipher(key, 0, sealed, (size_t)n, opened, &opened_len) != 0)
        return -1;
    return sts_buf_append(plain, opened, opened_len);
}
