#include "crypto/password.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "crypto/random.h"
#include "util/base64.h"

#define SALT_BYTES      16
#define DIGEST_BYTES    32
#define MAX_MEMORY_KIB  4194304u
#define MAX_ITERATIONS  100u
#define MAX_PARALLELISM 16u
/* Accepted in stored strings, so that hashes made elsewhere with other lengths still verify (and get re-hashed). */
#define SALT_MIN_BYTES   8
#define SALT_MAX_BYTES   48
#define DIGEST_MIN_BYTES 16
#define DIGEST_MAX_BYTES 64

static atomic_uint_fast64_t computations;
static _Thread_local sts_password_params_t last_computation;

typedef struct {
    sts_password_params_t params;
    uint8_t salt[SALT_MAX_BYTES];
    size_t salt_len;
    uint8_t digest[DIGEST_MAX_BYTES];
    size_t digest_len;
} phc_t;

/*
 * The dummy hash stands for a stored hash under the current parameters. Its digest is no password's hash that anyone
 * knows; it only has to cost one comparison, and its verdict is never used.
 */
static const uint8_t dummy_salt[SALT_BYTES] = {0x73, 0x74, 0x73, 0x2d, 0x64, 0x75, 0x6d, 0x6d,
                                               0x79, 0x2d, 0x73, 0x61, 0x6c, 0x74, 0x2d, 0x31};
static const uint8_t dummy_digest[DIGEST_BYTES] = {0x9f, 0x1c, 0x5e, 0x27, 0x80, 0x3b, 0xd4, 0x61, 0x0a, 0xe2, 0x47,
                                                   0xb9, 0x36, 0xc8, 0x15, 0x7d, 0x52, 0xaf, 0x03, 0x6e, 0xf1, 0x98,
                                                   0x2c, 0x44, 0xbd, 0x70, 0x0e, 0x63, 0xda, 0x19, 0x85, 0x3f};

static const sts_password_params_t default_params = {STS_PASSWORD_DEFAULT_MEMORY_KIB, STS_PASSWORD_DEFAULT_ITERATIONS,
                                                     STS_PASSWORD_DEFAULT_PARALLELISM};

int sts_password_params_check(const sts_password_params_t *params, char *error, size_t error_size)
{
    char ignored[128];
    if (error == NULL) {
        error = ignored;
        error_size = sizeof(ignored);
    }
    if (params == NULL) {
        snprintf(error, error_size, "password hashing parameters are missing");
        return -1;
    }
    if (params->parallelism < 1 || params->parallelism > MAX_PARALLELISM) {
        snprintf(error, error_size, "password_hash_parallelism must be between 1 and %u (got %u)", MAX_PARALLELISM,
                 params->parallelism);
        return -1;
    }
    if (params->iterations < 1 || params->iterations > MAX_ITERATIONS) {
        snprintf(error, error_size, "password_hash_iterations must be between 1 and %u (got %u)", MAX_ITERATIONS,
                 params->iterations);
        return -1;
    }
    /* argon2 needs 8 KiB per lane. */
    uint32_t min_memory = 8 * params->parallelism;
    if (params->memory_kib < min_memory || params->memory_kib > MAX_MEMORY_KIB) {
        if (params->parallelism == 1)
            snprintf(error, error_size, "password_hash_memory_kib must be between 8 and %u (got %u)", MAX_MEMORY_KIB,
                     params->memory_kib);
        else
            snprintf(error, error_size,
                     "password_hash_memory_kib must be between %u (8 per password_hash_parallelism) and %u (got %u)",
                     min_memory, MAX_MEMORY_KIB, params->memory_kib);
        return -1;
    }
    return 0;
}

/* Every argon2id computation goes through here, so the counter sees them all. */
static void count(const sts_password_params_t *params)
{
    atomic_fetch_add(&computations, 1);
    last_computation = *params;
}

int sts_password_hash(const sts_password_params_t *params, const char *password, size_t len, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return -1;
    out[0] = '\0';
    if (sts_password_params_check(params, NULL, 0) != 0 || len > STS_PASSWORD_MAX_BYTES ||
        (password == NULL && len != 0))
        return -1;
    if (argon2_encodedlen(params->iterations, params->memory_kib, params->parallelism, SALT_BYTES, DIGEST_BYTES,
                          Argon2_id) > out_size)
        return -1;
    uint8_t salt[SALT_BYTES];
    sts_random_bytes(salt, sizeof(salt));
    count(params);
    int rc = argon2id_hash_encoded(params->iterations, params->memory_kib, params->parallelism, password, len, salt,
                                   sizeof(salt), DIGEST_BYTES, out, out_size);
    OPENSSL_cleanse(salt, sizeof(salt));
    if (rc != ARGON2_OK) {
        OPENSSL_cleanse(out, out_size);
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* A decimal without sign or leading zeros that fits in uint32_t, after "<name>=". Advances *text. */
static int parse_number(const char **text, const char *name, uint32_t *out)
{
    size_t name_len = strlen(name);
    if (strncmp(*text, name, name_len) != 0 || (*text)[name_len] != '=')
        return -1;
    const char *digits = *text + name_len + 1;
    size_t n = 0;
    uint64_t value = 0;
    while (digits[n] >= '0' && digits[n] <= '9') {
        if (n == 10)
            return -1;
        value = value * 10 + (uint64_t)(digits[n] - '0');
        n++;
    }
    if (n == 0 || (n > 1 && digits[0] == '0') || value > UINT32_MAX)
        return -1;
    *out = (uint32_t)value;
    *text = digits + n;
    return 0;
}

/* Unpadded standard base64 as the PHC format writes it, decoded to min..max bytes. */
static int parse_base64(const char *in, size_t len, uint8_t *out, size_t min, size_t max, size_t *out_len)
{
    char padded[(DIGEST_MAX_BYTES + 2) / 3 * 4];
    if (len == 0 || len % 4 == 1 || len > sizeof(padded))
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return -1;
    }
    memcpy(padded, in, len);
    size_t padded_len = len;
    while (padded_len % 4 != 0)
        padded[padded_len++] = '=';
    long decoded = sts_base64_decode(padded, padded_len, out, max, STS_BASE64_STD);
    if (decoded < 0 || (size_t)decoded < min)
        return -1;
    *out_len = (size_t)decoded;
    return 0;
}

/* Accepts exactly "$argon2id$v=19$m=M,t=T,p=P$<salt>$<digest>" with parameters in the ranges we allow. */
static int parse(const char *hash, phc_t *phc)
{
    static const char prefix[] = "$argon2id$v=19$";
    if (hash == NULL || strnlen(hash, STS_PASSWORD_HASH_MAX) == STS_PASSWORD_HASH_MAX)
        return -1;
    if (strncmp(hash, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    const char *text = hash + sizeof(prefix) - 1;
    if (parse_number(&text, "m", &phc->params.memory_kib) != 0 || *text++ != ',' ||
        parse_number(&text, "t", &phc->params.iterations) != 0 || *text++ != ',' ||
        parse_number(&text, "p", &phc->params.parallelism) != 0 || *text++ != '$')
        return -1;
    if (sts_password_params_check(&phc->params, NULL, 0) != 0)
        return -1;
    const char *separator = strchr(text, '$');
    if (separator == NULL || strchr(separator + 1, '$') != NULL)
        return -1;
    if (parse_base64(text, (size_t)(separator - text), phc->salt, SALT_MIN_BYTES, SALT_MAX_BYTES, &phc->salt_len) != 0)
        return -1;
    const char *digest = separator + 1;
    return parse_base64(digest, strlen(digest), phc->digest, DIGEST_MIN_BYTES, DIGEST_MAX_BYTES, &phc->digest_len);
}

/* One argon2id computation under phc's parameters and salt, compared with its digest in constant time. */
static int matches(const phc_t *phc, const char *password, size_t len)
{
    uint8_t computed[DIGEST_MAX_BYTES];
    count(&phc->params);
    int rc = argon2id_hash_raw(phc->params.iterations, phc->params.memory_kib, phc->params.parallelism, password, len,
                               phc->salt, phc->salt_len, computed, phc->digest_len);
    int equal = rc == ARGON2_OK && CRYPTO_memcmp(computed, phc->digest, phc->digest_len) == 0;
    OPENSSL_cleanse(computed, sizeof(computed));
    return equal;
}

static const sts_password_params_t *effective(const sts_password_params_t *current)
{
    /* Parameters that would fail argon2 cannot buy the dummy's cost; the defaults stand in for them. */
    return sts_password_params_check(current, NULL, 0) == 0 ? current : &default_params;
}

void sts_password_verify_dummy(const sts_password_params_t *current, const char *password, size_t len)
{
    phc_t dummy = {.params = *effective(current), .salt_len = SALT_BYTES, .digest_len = DIGEST_BYTES};
    memcpy(dummy.salt, dummy_salt, SALT_BYTES);
    memcpy(dummy.digest, dummy_digest, DIGEST_BYTES);
    /* Only the first bytes of a refused over-long password are hashed: its cost stays that of any other. */
    if (password == NULL)
        len = 0;
    else if (len > STS_PASSWORD_MAX_BYTES)
        len = STS_PASSWORD_MAX_BYTES;
    (void)matches(&dummy, password, len);
}

sts_password_verdict_t sts_password_verify(const sts_password_params_t *current, const char *hash, const char *password,
                                           size_t len)
{
    if (len > STS_PASSWORD_MAX_BYTES || (password == NULL && len != 0)) {
        sts_password_verify_dummy(current, password, len);
        return STS_PASSWORD_MISMATCH;
    }
    phc_t phc;
    if (parse(hash, &phc) != 0) {
        sts_password_verify_dummy(current, password, len);
        return STS_PASSWORD_BAD_HASH;
    }
    int equal = matches(&phc, password, len);
    const sts_password_params_t *wanted = effective(current);
    /* Hashes made elsewhere with other salt or digest lengths are brought to ours too. */
    int outdated = phc.params.memory_kib != wanted->memory_kib || phc.params.iterations != wanted->iterations ||
                   phc.params.parallelism != wanted->parallelism || phc.salt_len != SALT_BYTES ||
                   phc.digest_len != DIGEST_BYTES;
    OPENSSL_cleanse(&phc, sizeof(phc));
    if (!equal)
        return STS_PASSWORD_MISMATCH;
    return outdated ? STS_PASSWORD_MATCH_REHASH : STS_PASSWORD_MATCH;
}

uint64_t sts_password_computations(void)
{
    return atomic_load(&computations);
}

void sts_password_last_computation(sts_password_params_t *out)
{
    *out = last_computation;
}
