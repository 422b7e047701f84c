/* HTTPS for the REST adapter: one SSL_CTX for the server's life, the certificate chosen at each handshake. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>

#include "rest/server_internal.h"
#include "util/log.h"

/* TLS 1.2 suites with forward secrecy and AEAD only; TLS 1.3 keeps OpenSSL's defaults, which are all of that kind. */
static const char TLS12_CIPHERS[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/*
 * Runs on the event-loop thread doing the handshake. Taking the source's current set here, rather than swapping
 * the SSL_CTX, means a reload only swaps a pointer inside the source and never touches h2o's structures.
 */
static int use_current_certificate(SSL *ssl, void *arg)
{
    sts_tls_credentials_t *credentials = sts_tls_source_current(arg, NULL);
    int ok = SSL_use_cert_and_key(ssl, sts_tls_credentials_certificate(credentials),
                                  sts_tls_credentials_key(credentials), sts_tls_credentials_chain(credentials), 1);
    sts_tls_credentials_unref(credentials);
    if (ok != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

SSL_CTX *sts__rest_tls_create(sts_tls_source_t *source, char *error, size_t error_size)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        snprintf(error, error_size, "cannot create the REST TLS context");
        return NULL;
    }
    int ok =
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 && SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) == 1;
    /* No compression (CRIME) and no renegotiation, client- or server-initiated; our preference order wins. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!ok) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        snprintf(error, error_size, "cannot configure the REST TLS context (protocol versions or cipher suites)");
        return NULL;
    }
    SSL_CTX_set_cert_cb(ctx, use_current_certificate, source);
    /* HTTP/2 when the client offers h2 in ALPN, HTTP/1.1 otherwise. */
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}
