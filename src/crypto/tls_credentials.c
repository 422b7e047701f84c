#include "crypto/tls_credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secret_file.h"
#include "util/log.h"
#include "util/timefmt.h"

struct sts_tls_credentials_s {
    atomic_int refs;
    X509 *certificate;
    STACK_OF(X509) * chain;
    EVP_PKEY *key;
    char *certificate_pem;
    char *key_pem;
    char *client_ca_pem;
    int64_t not_after;
    char description[512];
};

/* Read into a heap buffer, NUL-terminated; *len excludes the NUL. */
typedef struct {
    char *text;
    size_t len;
} file_text_t;

static void wipe_text(file_text_t *file)
{
    if (file->text != NULL) {
        OPENSSL_cleanse(file->text, file->len);
        free(file->text);
    }
    file->text = NULL;
    file->len = 0;
}

/* The certificate and CA files are public; the key goes through the secret-file reader instead. */
static int read_file(const char *path, const char *what, file_text_t *out, char *error, size_t error_size)
{
    out->text = NULL;
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(error, error_size, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0) {
        snprintf(error, error_size, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(error, error_size, "the TLS %s %s is not a regular file", what, path);
    } else if (st.st_size > STS_TLS_MAX_FILE_BYTES) {
        snprintf(error, error_size, "the TLS %s %s is larger than %d bytes", what, path, STS_TLS_MAX_FILE_BYTES);
    } else {
        out->text = malloc((size_t)st.st_size + 1);
        if (out->text == NULL)
            sts_log_fatal("out of memory reading %s", path);
        size_t len = 0;
        ssize_t n = 0;
        while (len < (size_t)st.st_size && (n = read(fd, out->text + len, (size_t)st.st_size - len)) > 0)
            len += (size_t)n;
        out->text[len] = '\0';
        out->len = len;
        if (n < 0) {
            snprintf(error, error_size, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
            wipe_text(out);
        } else {
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

/* Encrypted keys are refused rather than prompting on a terminal for a pass phrase. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *data)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)data;
    return -1;
}

/* Every certificate in text, in order; NULL when there is none or one is malformed. */
static STACK_OF(X509) * read_certificates(const file_text_t *file)
{
    ERR_clear_error();
    STACK_OF(X509) *certificates = sk_X509_new_null();
    BIO *bio = BIO_new_mem_buf(file->text, (int)file->len);
    if (certificates == NULL || bio == NULL)
        sts_log_fatal("out of memory");
    X509 *certificate;
    while ((certificate = PEM_read_bio_X509(bio, NULL, no_pass_phrase, NULL)) != NULL) {
        if (!sk_X509_push(certificates, certificate))
            sts_log_fatal("out of memory");
    }
    /* The loop ends at the end of the text (no start line) or at something that is not a certificate. */
    unsigned long last = ERR_peek_last_error();
    int clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    BIO_free(bio);
    if (sk_X509_num(certificates) == 0 || !clean_end) {
        sk_X509_pop_free(certificates, X509_free);
        return NULL;
    }
    return certificates;
}

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *text = malloc((size_t)len + 1);
    if (text == NULL || len < 0)
        sts_log_fatal("out of memory");
    memcpy(text, data, (size_t)len);
    text[len] = '\0';
    return text;
}

static char *certificates_pem(X509 *first, STACK_OF(X509) * rest)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || (first != NULL && !PEM_write_bio_X509(bio, first)))
        sts_log_fatal("out of memory");
    for (int i = 0; i < sk_X509_num(rest); i++) {
        if (!PEM_write_bio_X509(bio, sk_X509_value(rest, i)))
            sts_log_fatal("out of memory");
    }
    char *text = bio_to_string(bio);
    BIO_free(bio);
    return text;
}

/* A memory BIO's buffer is cleared when freed, so the key's PEM lives only in the copy this returns. */
static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
        sts_log_fatal("out of memory");
    char *text = bio_to_string(bio);
    BIO_free(bio);
    return text;
}

static void describe(sts_tls_credentials_t *credentials)
{
    char subject[300] = "";
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio != NULL &&
        X509_NAME_print_ex(bio, X509_get_subject_name(credentials->certificate), 0, XN_FLAG_RFC2253) >= 0) {
        char *data = NULL;
        long len = BIO_get_mem_data(bio, &data);
        snprintf(subject, sizeof(subject), "%.*s", (int)(len < 299 ? len : 299), data);
    }
    BIO_free(bio);
    char *serial = NULL;
    BIGNUM *number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(credentials->certificate), NULL);
    if (number != NULL)
        serial = BN_bn2hex(number);
    BN_free(number);
    snprintf(credentials->description, sizeof(credentials->description), "subject %s, serial %s",
             subject[0] != '\0' ? subject : "(empty)", serial != NULL ? serial : "?");
    OPENSSL_free(serial);
}

static void free_credentials(sts_tls_credentials_t *credentials)
{
    X509_free(credentials->certificate);
    sk_X509_pop_free(credentials->chain, X509_free);
    EVP_PKEY_free(credentials->key);
    free(credentials->certificate_pem);
    if (credentials->key_pem != NULL) {
        OPENSSL_cleanse(credentials->key_pem, strlen(credentials->key_pem));
        free(credentials->key_pem);
    }
    free(credentials->client_ca_pem);
    free(credentials);
}

static int load_certificates(sts_tls_credentials_t *credentials, const char *path, char *error, size_t error_size)
{
    file_text_t file;
    if (read_file(path, "certificate file", &file, error, error_size) != 0)
        return -1;
    STACK_OF(X509) *certificates = read_certificates(&file);
    wipe_text(&file);
    if (certificates == NULL) {
        snprintf(error, error_size,
                 "the TLS certificate file %s must hold PEM certificates: the server's first, then any intermediates",
                 path);
        return -1;
    }
    credentials->certificate = sk_X509_shift(certificates);
    credentials->chain = certificates;
    const ASN1_TIME *not_after = X509_get0_notAfter(credentials->certificate);
    struct tm tm;
    if (not_after == NULL || !ASN1_TIME_to_tm(not_after, &tm)) {
        snprintf(error, error_size, "the certificate in %s has an unreadable expiry time", path);
        return -1;
    }
    credentials->not_after = (int64_t)timegm(&tm);
    credentials->certificate_pem = certificates_pem(credentials->certificate, credentials->chain);
    describe(credentials);
    return 0;
}

static int load_key(sts_tls_credentials_t *credentials, const sts_tls_files_t *files, char *error, size_t error_size)
{
    char *text;
    size_t len;
    if (sts_secret_file_read_all(files->key_file, "the TLS key file", STS_TLS_MAX_FILE_BYTES, &text, &len, error,
                                 error_size) != 0)
        return -1;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        sts_log_fatal("out of memory");
    credentials->key = PEM_read_bio_PrivateKey(bio, NULL, no_pass_phrase, NULL);
    BIO_free(bio);
    sts_secret_file_free(text, len);
    ERR_clear_error();
    if (credentials->key == NULL) {
        snprintf(error, error_size, "the TLS key file %s must hold an unencrypted PEM private key", files->key_file);
        return -1;
    }
    if (X509_check_private_key(credentials->certificate, credentials->key) != 1) {
        ERR_clear_error();
        snprintf(error, error_size, "the private key in %s does not match the certificate in %s", files->key_file,
                 files->certificate_file);
        return -1;
    }
    credentials->key_pem = key_pem(credentials->key);
    return 0;
}

static int load_client_ca(sts_tls_credentials_t *credentials, const char *path, char *error, size_t error_size)
{
    file_text_t file;
    if (read_file(path, "client CA file", &file, error, error_size) != 0)
        return -1;
    STACK_OF(X509) *certificates = read_certificates(&file);
    wipe_text(&file);
    if (certificates == NULL) {
        snprintf(error, error_size, "the TLS client CA file %s must hold PEM certificates", path);
        return -1;
    }
    credentials->client_ca_pem = certificates_pem(NULL, certificates);
    sk_X509_pop_free(certificates, X509_free);
    return 0;
}

sts_tls_credentials_t *sts_tls_credentials_load(const sts_tls_files_t *files, char *error, size_t error_size)
{
    sts_tls_credentials_t *credentials = calloc(1, sizeof(*credentials));
    if (credentials == NULL)
        sts_log_fatal("out of memory");
    atomic_init(&credentials->refs, 1);
    if (load_certificates(credentials, files->certificate_file, error, error_size) != 0 ||
        load_key(credentials, files, error, error_size) != 0 ||
        (files->client_ca_file != NULL && load_client_ca(credentials, files->client_ca_file, error, error_size) != 0)) {
        free_credentials(credentials);
        return NULL;
    }
    return credentials;
}

sts_tls_credentials_t *sts_tls_credentials_ref(sts_tls_credentials_t *credentials)
{
    atomic_fetch_add(&credentials->refs, 1);
    return credentials;
}

void sts_tls_credentials_unref(sts_tls_credentials_t *credentials)
{
    if (credentials != NULL && atomic_fetch_sub(&credentials->refs, 1) == 1)
        free_credentials(credentials);
}

X509 *sts_tls_credentials_certificate(const sts_tls_credentials_t *credentials)
{
    return credentials->certificate;
}

STACK_OF(X509) * sts_tls_credentials_chain(const sts_tls_credentials_t *credentials)
{
    return credentials->chain;
}

EVP_PKEY *sts_tls_credentials_key(const sts_tls_credentials_t *credentials)
{
    return credentials->key;
}

const char *sts_tls_credentials_certificate_pem(const sts_tls_credentials_t *credentials)
{
    return credentials->certificate_pem;
}

const char *sts_tls_credentials_key_pem(const sts_tls_credentials_t *credentials)
{
    return credentials->key_pem;
}

const char *sts_tls_credentials_client_ca_pem(const sts_tls_credentials_t *credentials)
{
    return credentials->client_ca_pem;
}

int64_t sts_tls_credentials_not_after(const sts_tls_credentials_t *credentials)
{
    return credentials->not_after;
}

const char *sts_tls_credentials_describe(const sts_tls_credentials_t *credentials)
{
    return credentials->description;
}

int sts_tls_credentials_expiry_notice(const sts_tls_credentials_t *credentials, int64_t now, int warning_days,
                                      char *notice, size_t notice_size)
{
    notice[0] = '\0';
    if (credentials->not_after - now > (int64_t)warning_days * 86400)
        return 0;
    char when[STS_TIME_ISO_MAX];
    if (sts_time_format_rfc3339((sts_time_us_t)credentials->not_after * 1000000, 0, when, sizeof(when)) < 0)
        snprintf(when, sizeof(when), "%lld", (long long)credentials->not_after);
    snprintf(notice, notice_size, "the TLS certificate (%s) %s at %s, please renew", credentials->description,
             credentials->not_after <= now ? "expired" : "expires", when);
    return 1;
}
