#include "aws/sigv4.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crypto/aead.h"

#define SHA256_BYTES 32

static void hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static void hmac(const void *key, size_t key_len, const char *data, size_t data_len, unsigned char out[SHA256_BYTES])
{
    unsigned int len = SHA256_BYTES;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, data_len, out, &len);
}

static int compare_headers(const void *a, const void *b)
{
    return strcmp(((const sts_aws_sigv4_header_t *)a)->name, ((const sts_aws_sigv4_header_t *)b)->name);
}

/* The value with leading and trailing blanks removed and runs of inner spaces squeezed to one. */
static int append_trimmed(sts_buf_t *out, const char *value)
{
    while (*value == ' ' || *value == '\t')
        value++;
    int rc = 0;
    int pending_space = 0;
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t') {
            pending_space = 1;
            continue;
        }
        if (pending_space)
            rc |= sts_buf_append(out, " ", 1);
        pending_space = 0;
        rc |= sts_buf_append(out, p, 1);
    }
    return rc;
}

static int canonical_request(const sts_aws_sigv4_request_t *request, const sts_aws_sigv4_header_t *sorted,
                             sts_buf_t *out, sts_buf_t *signed_headers)
{
    unsigned char digest[SHA256_BYTES];
    char payload_hash[2 * SHA256_BYTES + 1];
    sts_sha256(request->payload, request->payload_len, digest);
    hex(digest, sizeof(digest), payload_hash);
    int rc = sts_buf_append_str(out, request->method) | sts_buf_append_str(out, "\n") |
             sts_buf_append_str(out, request->canonical_path[0] != '\0' ? request->canonical_path : "/") |
             sts_buf_append_str(out, "\n") | sts_buf_append_str(out, request->canonical_query) |
             sts_buf_append_str(out, "\n");
    for (size_t i = 0; i < request->header_count; i++) {
        rc |= sts_buf_append_str(out, sorted[i].name) | sts_buf_append_str(out, ":") |
              append_trimmed(out, sorted[i].value) | sts_buf_append_str(out, "\n");
        rc |= sts_buf_append_str(signed_headers, i > 0 ? ";" : "") | sts_buf_append_str(signed_headers, sorted[i].name);
    }
    rc |= sts_buf_append_str(out, "\n") | sts_buf_append(out, signed_headers->data, signed_headers->len) |
          sts_buf_append_str(out, "\n") | sts_buf_append_str(out, payload_hash);
    return rc;
}

int sts_aws_sigv4_authorization(const sts_aws_sigv4_request_t *request, const char *access_key_id,
                                const char *secret_access_key, char *out, size_t out_size,
                                const sts_aws_sigv4_trace_t *trace)
{
    if (request->header_count > STS_AWS_SIGV4_MAX_HEADERS || strlen(request->amz_date) != 16)
        return -1;
    sts_aws_sigv4_header_t sorted[STS_AWS_SIGV4_MAX_HEADERS];
    memcpy(sorted, request->headers, request->header_count * sizeof(*sorted));
    qsort(sorted, request->header_count, sizeof(*sorted), compare_headers);

    sts_buf_t canonical, signed_headers, to_sign;
    sts_buf_init(&canonical, 64 * 1024);
    sts_buf_init(&signed_headers, 1024);
    sts_buf_init(&to_sign, 1024);
    char date[9];
    memcpy(date, request->amz_date, 8);
    date[8] = '\0';
    char scope[256];
    int n = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, request->region, request->service);
    int rc = n < 0 || (size_t)n >= sizeof(scope) ? -1 : 0;
    rc |= canonical_request(request, sorted, &canonical, &signed_headers);

    unsigned char digest[SHA256_BYTES];
    char canonical_hash[2 * SHA256_BYTES + 1];
    sts_sha256(canonical.data, canonical.len, digest);
    hex(digest, sizeof(digest), canonical_hash);
    rc |= sts_buf_append_str(&to_sign, "AWS4-HMAC-SHA256\n") | sts_buf_append_str(&to_sign, request->amz_date) |
          sts_buf_append_str(&to_sign, "\n") | sts_buf_append_str(&to_sign, scope) |
          sts_buf_append_str(&to_sign, "\n") | sts_buf_append_str(&to_sign, canonical_hash);

    /* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
    char secret[256];
    n = snprintf(secret, sizeof(secret), "AWS4%s", secret_access_key);
    rc |= n < 0 || (size_t)n >= sizeof(secret) ? -1 : 0;
    unsigned char date_key[SHA256_BYTES], region_key[SHA256_BYTES], service_key[SHA256_BYTES];
    unsigned char key[SHA256_BYTES], signature[SHA256_BYTES];
    hmac(secret, strlen(secret), date, strlen(date), date_key);
    hmac(date_key, sizeof(date_key), request->region, strlen(request->region), region_key);
    hmac(region_key, sizeof(region_key), request->service, strlen(request->service), service_key);
    hmac(service_key, sizeof(service_key), "aws4_request", 12, key);
    hmac(key, sizeof(key), to_sign.data, to_sign.len, signature);
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(key, sizeof(key));
    char signature_hex[2 * SHA256_BYTES + 1];
    hex(signature, sizeof(signature), signature_hex);

    n = snprintf(out, out_size, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%.*s, Signature=%s", access_key_id,
                 scope, (int)signed_headers.len, signed_headers.data, signature_hex);
    rc |= n < 0 || (size_t)n >= out_size ? -1 : 0;
    if (trace != NULL && trace->canonical_request != NULL)
        rc |= sts_buf_append(trace->canonical_request, canonical.data, canonical.len);
    if (trace != NULL && trace->string_to_sign != NULL)
        rc |= sts_buf_append(trace->string_to_sign, to_sign.data, to_sign.len);
    sts_buf_dispose(&canonical);
    sts_buf_dispose(&signed_headers);
    sts_buf_dispose(&to_sign);
    return rc != 0 ? -1 : 0;
}

int sts_aws_sigv4_uri_encode(sts_buf_t *out, const char *value)
{
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        int unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                         *p == '-' || *p == '_' || *p == '.' || *p == '~';
        char escaped[3] = {'%', digits[*p >> 4], digits[*p & 15]};
        if (unreserved ? sts_buf_append(out, p, 1) : sts_buf_append(out, escaped, 3))
            return -1;
    }
    return 0;
}

void sts_aws_sigv4_amz_date(long long t, char out[17])
{
    time_t seconds = (time_t)t;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
