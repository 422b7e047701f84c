#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/thread_block.h"

struct sts_aead_s {
    uint64_t serial; /* unique for the process's life: names the key in threads' caches, as an address could not */
    EVP_CIPHER *cipher;
    uint8_t key[STS_AEAD_KEY_BYTES];
    /* Contexts with the key schedule already done; calls copy them rather than expanding the key every time. */
    EVP_CIPHER_CTX *templates[2]; /* [0] decrypt, [1] encrypt */
};

sts_aead_t *sts_aead_create(const uint8_t key[STS_AEAD_KEY_BYTES])
{
    sts_aead_t *aead = calloc(1, sizeof(*aead));
    if (aead == NULL)
        sts_log_fatal("out of memory");
    /* An explicit fetch once, instead of the implicit one EVP_aes_256_gcm() costs on every init. */
    aead->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (aead->cipher == NULL) {
        free(aead);
        return NULL;
    }
    static atomic_uint_fast64_t serials;
    aead->serial = atomic_fetch_add(&serials, 1) + 1;
    memcpy(aead->key, key, STS_AEAD_KEY_BYTES);
    for (int encrypt = 0; encrypt < 2; encrypt++) {
        aead->templates[encrypt] = EVP_CIPHER_CTX_new();
        if (aead->templates[encrypt] == NULL ||
            EVP_CipherInit_ex2(aead->templates[encrypt], aead->cipher, aead->key, NULL, encrypt, NULL) != 1) {
            sts_aead_destroy(aead);
            return NULL;
        }
    }
    return aead;
}

void sts_aead_destroy(sts_aead_t *aead)
{
    if (aead == NULL)
        return;
    OPENSSL_cleanse(aead->key, sizeof(aead->key));
    EVP_CIPHER_CTX_free(aead->templates[0]);
    EVP_CIPHER_CTX_free(aead->templates[1]);
    EVP_CIPHER_free(aead->cipher);
    free(aead);
}

/*
 * Each thread keeps a few contexts that hold a key schedule, and reuses them: a call then only sets its nonce.
 * Making, copying and freeing a context per call was a third of a seal's time. An entry is found by the key's
 * serial; a thread's contexts are freed when it exits. The thread's SHA-256 context lives here too.
 */
enum { CACHED_CONTEXTS = 4 };
typedef struct {
    uint64_t serial[CACHED_CONTEXTS];
    int encrypt[CACHED_CONTEXTS];
    EVP_CIPHER_CTX *ctx[CACHED_CONTEXTS];
    unsigned next;          /* the entry a miss replaces */
    EVP_MD_CTX *sha256_ctx; /* reused: EVP_Digest makes and frees a context per call */
} thread_contexts_t;

static pthread_key_t contexts_key;
static pthread_once_t contexts_key_once = PTHREAD_ONCE_INIT;

static void free_contexts(void *data)
{
    thread_contexts_t *contexts = data;
    for (int i = 0; i < CACHED_CONTEXTS; i++)
        EVP_CIPHER_CTX_free(contexts->ctx[i]);
    EVP_MD_CTX_free(contexts->sha256_ctx);
    free(contexts);
}

static void make_contexts_key(void)
{
    if (pthread_key_create(&contexts_key, free_contexts) != 0)
        sts_log_fatal("cannot make the AEAD contexts' thread key");
}

static thread_contexts_t *thread_contexts(void)
{
    pthread_once(&contexts_key_once, make_contexts_key);
    return sts_thread_block(contexts_key, sizeof(thread_contexts_t));
}

/* A context of this thread's under aead's key in the given direction, ready for a nonce; NULL if OpenSSL fails. */
static EVP_CIPHER_CTX *keyed_context(const sts_aead_t *aead, int encrypt)
{
    thread_contexts_t *contexts = thread_contexts();
    for (int i = 0; i < CACHED_CONTEXTS; i++) {
        if (contexts->ctx[i] != NULL && contexts->serial[i] == aead->serial && contexts->encrypt[i] == encrypt)
            return contexts->ctx[i];
    }
    unsigned slot = contexts->next++ % CACHED_CONTEXTS;
    if (contexts->ctx[slot] == NULL && (contexts->ctx[slot] = EVP_CIPHER_CTX_new()) == NULL)
        sts_log_fatal("out of memory");
    contexts->serial[slot] = 0;
    if (EVP_CIPHER_CTX_copy(contexts->ctx[slot], aead->templates[encrypt]) != 1)
        return NULL;
    contexts->serial[slot] = aead->serial;
    contexts->encrypt[slot] = encrypt;
    return contexts->ctx[slot];
}

static EVP_CIPHER_CTX *start(const sts_aead_t *aead, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                             int encrypt)
{
    EVP_CIPHER_CTX *ctx = keyed_context(aead, encrypt);
    int len = 0;
    if (ctx == NULL || EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, encrypt, NULL) != 1 ||
        (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1))
        return NULL;
    return ctx;
}

int sts_aead_seal(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = start(aead, nonce, aad, aad_len, 1);
    if (ctx == NULL)
        return -1;
    int written = 0, final = 0;
    int ok = EVP_CipherUpdate(ctx, out, &written, in, (int)len) == 1 &&
             EVP_CipherFinal_ex(ctx, out + written, &final) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, STS_AEAD_TAG_BYTES, out + len) == 1;
    return ok ? 0 : -1;
}

int sts_aead_open(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out)
{
    if (len < STS_AEAD_TAG_BYTES)
        return -1;
    size_t body = len - STS_AEAD_TAG_BYTES;
    EVP_CIPHER_CTX *ctx = start(aead, nonce, aad, aad_len, 0);
    if (ctx == NULL)
        return -1;
    int written = 0, final = 0;
    uint8_t tag[STS_AEAD_TAG_BYTES];
    memcpy(tag, in + body, sizeof(tag));
    int ok = EVP_CipherUpdate(ctx, out, &written, in, (int)body) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, STS_AEAD_TAG_BYTES, tag) == 1 &&
             EVP_CipherFinal_ex(ctx, out + written, &final) == 1;
    if (!ok)
        OPENSSL_cleanse(out, body);
    return ok ? 0 : -1;
}

/* Fetched once: EVP_sha256() makes every digest look its implementation up again, under the provider store's lock. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha256 == NULL)
        sts_log_fatal("OpenSSL has no SHA-256");
}

void sts_sha256(const void *data, size_t len, uint8_t out[32])
{
    pthread_once(&sha256_once, fetch_sha256);
    thread_contexts_t *contexts = thread_contexts();
    if (contexts->sha256_ctx == NULL && (contexts->sha256_ctx = EVP_MD_CTX_new()) == NULL)
        sts_log_fatal("out of memory");
    unsigned int out_len = 32;
    if (EVP_DigestInit_ex2(contexts->sha256_ctx, sha256, NULL) != 1 ||
        EVP_DigestUpdate(contexts->sha256_ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(contexts->sha256_ctx, out, &out_len) != 1)
        sts_log_fatal("SHA-256 failed");
}
