/*
 * The serving TLS certificate: a certificate chain and its private key (plus, for mTLS, the CA certificates client
 * certificates must chain to) loaded from PEM files, checked, immutable and reference-counted; and the source that
 * re-reads the files when they change and swaps the new set in atomically.
 */
#ifndef STS_CRYPTO_TLS_CREDENTIALS_H
#define STS_CRYPTO_TLS_CREDENTIALS_H
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

/** Largest certificate, key or CA file read; a larger one is almost certainly the wrong file. */
#define STS_TLS_MAX_FILE_BYTES (1024 * 1024)

/** The files a set is read from. Strings are borrowed for the duration of the call that takes them. */
typedef struct {
    const char *certificate_file; /**< PEM: the leaf certificate first, then any intermediates */
    const char *key_file;         /**< PEM: the leaf's private key, unencrypted */
    const char *client_ca_file;   /**< PEM: CA certificates for client certificates; NULL when mTLS is off */
} sts_tls_files_t;

/** One loaded, consistent set. Opaque; immutable after loading, so any thread may read it while it holds a ref. */
typedef struct sts_tls_credentials_s sts_tls_credentials_t;

/**
 * Reads and checks the files: the key file is a secret file (sts_secret_file_read_all: private to the service user
 * unless secret_files_allow_shared is set); each file must be a regular file of at most STS_TLS_MAX_FILE_BYTES; the
 * certificate file must hold at least one certificate, the key file one unencrypted private key matching the first
 * certificate, the CA file (if any) at least one certificate. Returns a set with one reference, or NULL with a message
 * in error that names the file and what is wrong with it, never any key material. Thread-safe.
 */
sts_tls_credentials_t *sts_tls_credentials_load(const sts_tls_files_t *files, char *error, size_t error_size);

/** Takes another reference; returns credentials. Thread-safe. */
sts_tls_credentials_t *sts_tls_credentials_ref(sts_tls_credentials_t *credentials);

/** Drops a reference; the last one wipes the key material and frees the set. NULL is ignored. Thread-safe. */
void sts_tls_credentials_unref(sts_tls_credentials_t *credentials);

/** The leaf certificate (borrowed: valid while the caller holds a reference). */
X509 *sts_tls_credentials_certificate(const sts_tls_credentials_t *credentials);

/** The intermediates that follow the leaf, possibly none (borrowed). */
STACK_OF(X509) * sts_tls_credentials_chain(const sts_tls_credentials_t *credentials);

/** The private key (borrowed). */
EVP_PKEY *sts_tls_credentials_key(const sts_tls_credentials_t *credentials);

/** The leaf and intermediates as PEM, re-encoded from what was checked (borrowed, NUL-terminated). */
const char *sts_tls_credentials_certificate_pem(const sts_tls_credentials_t *credentials);

/** The private key as unencrypted PKCS#8 PEM (borrowed; secret: never log it). */
const char *sts_tls_credentials_key_pem(const sts_tls_credentials_t *credentials);

/** The client CA certificates as PEM, or NULL when the set has none (borrowed). */
const char *sts_tls_credentials_client_ca_pem(const sts_tls_credentials_t *credentials);

/** The leaf's notAfter, in seconds since the Unix epoch. */
int64_t sts_tls_credentials_not_after(const sts_tls_credentials_t *credentials);

/** "subject CN=…, serial 0A1B…" of the leaf, for logs and notices (borrowed). */
const char *sts_tls_credentials_describe(const sts_tls_credentials_t *credentials);

/**
 * When the leaf expires within warning_days of now (seconds since the epoch), or has expired, writes an operator
 * notice ("the TLS certificate subject …, serial … expires at 2030-01-01T00:00:00Z, please renew") and returns 1;
 * otherwise writes "" and returns 0. warning_days 0 only reports certificates that have expired.
 */
int sts_tls_credentials_expiry_notice(const sts_tls_credentials_t *credentials, int64_t now, int warning_days,
                                      char *notice, size_t notice_size);

/**
 * The current set of the files and the means to reload it. Lifecycle: sts_tls_source_create, any number of
 * sts_tls_source_current/generation (any thread) and sts_tls_source_refresh (one thread at a time),
 * sts_tls_source_destroy once nothing uses it.
 */
typedef struct sts_tls_source_s sts_tls_source_t;

/** Loads the files (see sts_tls_credentials_load; the paths are copied). Returns NULL with a message in error. */
sts_tls_source_t *sts_tls_source_create(const sts_tls_files_t *files, char *error, size_t error_size);

/**
 * The set now serving, with a reference the caller drops with sts_tls_credentials_unref; *generation (unless NULL)
 * receives its generation, read together with it. Thread-safe.
 */
sts_tls_credentials_t *sts_tls_source_current(sts_tls_source_t *source, uint64_t *generation);

/** Counts replacements: it changes exactly when the set sts_tls_source_current returns changes. Thread-safe. */
uint64_t sts_tls_source_generation(sts_tls_source_t *source);

/** 1 when the source has client CA certificates (mTLS). */
int sts_tls_source_has_client_ca(const sts_tls_source_t *source);

/**
 * Looks at the files (inode, size, modification and status-change times) and, when one changed since the last attempt,
 * loads them again. A valid new set replaces the current one (logged with its subject and serial) and 1 is returned. An
 * invalid one is logged as an error naming the file, the current set keeps serving, and -1 is returned; the same
 * files are not tried again until they change once more. 0: nothing changed. Calls must not overlap.
 */
int sts_tls_source_refresh(sts_tls_source_t *source);

/** Drops the source's reference to the current set and frees the source. */
void sts_tls_source_destroy(sts_tls_source_t *source);

#endif
