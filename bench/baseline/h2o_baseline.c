/*
 * The REST baseline: bare h2o (evloop, SO_REUSEPORT, one loop per thread as stsd) answering a fixed JSON body.
 * Given a certificate and key it serves HTTPS with the TLS settings stsd uses, so TLS rows compare like with like.
 *
 *   h2o_baseline [THREADS [CERT_FILE KEY_FILE]]
 */
#include <h2o.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static h2o_globalconf_t config;
static SSL_CTX *ssl_ctx; /* NULL for plain HTTP */
static int listen_port;

/* TLS 1.2 minimum; the TLS 1.2 suites are ECDHE with AES-GCM or CHACHA20-POLY1305, as stsd's REST listener. */
static SSL_CTX *create_ssl_ctx(const char *cert_file, const char *key_file)
{
    static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 || SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        fprintf(stderr, "h2o_baseline: cannot use %s and %s for TLS:\n", cert_file, key_file);
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols); /* h2 when offered, HTTP/1.1 otherwise */
    return ctx;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    static const char body[] = "{\"Status\":\"ok\"}";
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = sizeof(body) - 1;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    h2o_send_inline(req, body, sizeof(body) - 1);
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *error)
{
    if (error != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(listener->data, sock);
}

static int open_listener(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    struct sockaddr_in addr = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, SOMAXCONN) != 0) {
        perror("h2o_baseline: bind");
        exit(1);
    }
    socklen_t len = sizeof(addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    listen_port = ntohs(addr.sin_port);
    return fd;
}

/* Each loop is created on its own thread: h2o 2.2 keeps socket-buffer recyclers per thread. */
static void *run(void *arg)
{
    int fd = (int)(intptr_t)arg;
    h2o_context_t context;
    h2o_accept_ctx_t accept = {0};
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_context_init(&context, loop, &config);
    accept.ctx = &context;
    accept.ssl_ctx = ssl_ctx;
    accept.hosts = config.hosts;
    h2o_socket_t *listener = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    listener->data = &accept;
    h2o_socket_read_start(listener, on_accept);
    for (;;)
        h2o_evloop_run(loop, INT32_MAX);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
    if (threads < 1 || (argc != 2 && argc != 4 && argc != 1)) {
        fprintf(stderr, "usage: h2o_baseline [THREADS [CERT_FILE KEY_FILE]]\n");
        return 2;
    }
    if (argc == 4)
        ssl_ctx = create_ssl_ctx(argv[2], argv[3]);
    signal(SIGPIPE, SIG_IGN);
    h2o_config_init(&config);
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_create_handler(path, sizeof(h2o_handler_t))->on_req = on_req;
    int first = open_listener(0);
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        int fd = i == 0 ? first : open_listener(listen_port);
        pthread_create(&thread, NULL, run, (void *)(intptr_t)fd);
    }
    printf("listening on 127.0.0.1:%d%s\n", listen_port, ssl_ctx != NULL ? " (https)" : "");
    fflush(stdout);
    pause(); /* stopped by SIGTERM from bench/run */
    return 0;
}
