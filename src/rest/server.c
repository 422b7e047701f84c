#include "rest/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rest/listener.h"
#include "rest/server_internal.h"
#include "util/log.h"
#include "util/timefmt.h"

/* How often a loop looks at the stop flag; bounds shutdown latency, costs nothing under load. */
enum { LOOP_POLL_MS = 50 };
/* How long connections may take to close after the last reply of a drain. */
enum { LINGER_MS = 1000 };

void sts_rest_limits_defaults(sts_rest_limits_t *limits)
{
    *limits = (sts_rest_limits_t){.max_body_bytes = 65536,
                                  .max_connections = 16384,
                                  .header_timeout_ms = 10000,
                                  .idle_timeout_ms = 60000,
                                  .max_header_count = 64,
                                  .max_header_bytes = 8192,
                                  .max_request_line_bytes = 8192};
}

static void on_connection_closed(void *data)
{
    sts_rest_server_t *server = data;
    atomic_fetch_sub(&server->connections, 1);
}

static void refuse_connection(sts_rest_server_t *server, h2o_socket_t *sock)
{
    /* Closed before h2o reads a byte: the cheapest answer, and the one a flood cannot make us spend more on. */
    h2o_socket_close(sock);
    unsigned long refused = atomic_fetch_add(&server->refused, 1) + 1;
    long long now = sts_time_monotonic_ns();
    long long logged = atomic_load(&server->refusal_logged_ns);
    if ((logged == 0 || now - logged >= 1000000000LL) &&
        atomic_compare_exchange_strong(&server->refusal_logged_ns, &logged, now))
        sts_log_warn("rest: max_connections (%d) reached; closed a new connection at accept (%lu so far)",
                     server->limits.max_connections, refused);
}

static void on_accept(h2o_socket_t *listener, const char *error)
{
    if (error != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL)
        return;
    h2o_accept_ctx_t *accept = listener->data;
    sts_rest_server_t *server = H2O_STRUCT_FROM_MEMBER(sts__rest_thread_t, accept, accept)->server;
    if (atomic_fetch_add(&server->connections, 1) >= server->limits.max_connections) {
        atomic_fetch_sub(&server->connections, 1);
        refuse_connection(server, sock);
        return;
    }
    /* h2o keeps the same socket through TLS, HTTP/2 upgrades and keep-alive, so its close ends the connection. */
    sock->on_close.cb = on_connection_closed;
    sock->on_close.data = server;
    h2o_accept(accept, sock);
}

static int has_connections(h2o_context_t *context)
{
    return !h2o_linklist_is_empty(&context->http1._conns) || !h2o_linklist_is_empty(&context->http2._conns);
}

/*
 * Everything h2o owns for a thread is created and destroyed on that thread: h2o 2.2 keeps its socket-buffer
 * recycler in thread-local storage, and a buffer made on one thread but used on another corrupts it.
 */
static void open_loop(sts__rest_thread_t *thread)
{
    sts_rest_server_t *server = thread->server;
    thread->loop = h2o_evloop_create();
    h2o_context_init(&thread->context, thread->loop, &server->config);
    h2o_multithread_register_receiver(thread->context.queue, &thread->finished, sts__rest_on_finished);
    thread->accept.ctx = &thread->context;
    thread->accept.ssl_ctx = server->ssl_ctx;
    thread->accept.hosts = server->config.hosts;
    thread->listener = h2o_evloop_socket_create(thread->loop, thread->fd, H2O_SOCKET_FLAG_DONT_READ);
    thread->listener->data = &thread->accept;
    h2o_socket_read_start(thread->listener, on_accept);
}

static void drain_and_close_loop(sts__rest_thread_t *thread)
{
    sts_rest_server_t *server = thread->server;
    h2o_socket_read_stop(thread->listener);
    h2o_socket_close(thread->listener);
    /* Answer what is in flight (HTTP/2 connections get GOAWAY), within the drain budget. */
    h2o_context_request_shutdown(&thread->context);
    /*
     * h2o 2.2 has no way to close idle connections on demand, but every idle one waits on one of these timers
     * (HTTP/1.1 between requests, HTTP/2 without open streams, TLS in its handshake), and a request in progress on
     * none: at zero they expire at the next loop turn, and a connection busy now meets them when its reply is done.
     */
    thread->context.http1.req_timeout.timeout = 0;
    thread->context.http2.idle_timeout.timeout = 0;
    thread->context.handshake_timeout.timeout = 0;
    int64_t deadline = sts_time_monotonic_ns() + (int64_t)server->drain_ms * 1000000;
    while (has_connections(&thread->context) && sts_time_monotonic_ns() < deadline)
        h2o_evloop_run(thread->loop, 10);
    /* Calls on the worker pool reply through this loop; it must outlive them (upstream timeouts bound the wait). */
    while (atomic_load(&thread->pending) > 0)
        h2o_evloop_run(thread->loop, 10);
    /* Their replies were the last writes; give those connections a moment to finish and close. */
    int64_t linger = sts_time_monotonic_ns() + LINGER_MS * 1000000;
    while (has_connections(&thread->context) && sts_time_monotonic_ns() < linger)
        h2o_evloop_run(thread->loop, 10);
    if (has_connections(&thread->context)) {
        /* h2o 2.2 cannot close connections by force, and disposing a context that has some aborts the process. */
        sts_log_warn("rest: connections still open at exit; leaving them to the operating system");
        return;
    }
    /* request_shutdown arms an HTTP/2 grace timer even with no connection; h2o_context_dispose insists it is gone. */
    if (h2o_timeout_is_linked(&thread->context.http2._graceful_shutdown_timeout))
        h2o_timeout_unlink(&thread->context.http2._graceful_shutdown_timeout);
    h2o_evloop_run(thread->loop, 0);
    h2o_multithread_unregister_receiver(thread->context.queue, &thread->finished);
    h2o_context_dispose(&thread->context);
    h2o_evloop_run(thread->loop, 0); /* frees the sockets closed above, which evloop releases lazily */
    /* h2o 2.2 leaves connection buffers behind at exit (see tests/lsan.supp); the loop itself can go. */
    h2o_evloop_destroy(thread->loop);
}

static void *run_loop(void *arg)
{
    sts__rest_thread_t *thread = arg;
    open_loop(thread);
    while (!atomic_load(&thread->server->stopping))
        h2o_evloop_run(thread->loop, LOOP_POLL_MS);
    drain_and_close_loop(thread);
    return NULL;
}

sts_rest_server_t *sts_rest_server_create(const sts_service_t *service, sts_rest_surface_t surface, const char *listen,
                                          int threads, const sts_rest_limits_t *limits, sts_tls_source_t *tls,
                                          char *error, size_t error_size)
{
    sts_router_t *router = sts_router_create(service->methods, error, error_size);
    if (router == NULL)
        return NULL;
    int fds[64];
    int port = 0;
    if (threads < 1 || threads > 64) {
        snprintf(error, error_size, "REST threads must be from 1 to 64, got %d", threads);
        sts_router_destroy(router);
        return NULL;
    }
    SSL_CTX *ssl_ctx = NULL;
    if (tls != NULL && (ssl_ctx = sts__rest_tls_create(tls, error, error_size)) == NULL) {
        sts_router_destroy(router);
        return NULL;
    }
    if (sts_rest_listen(listen, threads, fds, &port, error, error_size) != 0) {
        SSL_CTX_free(ssl_ctx);
        sts_router_destroy(router);
        return NULL;
    }
    sts_rest_server_t *server = calloc(1, sizeof(*server) + (size_t)threads * sizeof(sts__rest_thread_t));
    if (server == NULL)
        sts_log_fatal("out of memory creating the REST server");
    server->service = service;
    server->surface = surface;
    server->router = router;
    server->ssl_ctx = ssl_ctx;
    server->limits = *limits;
    server->port = port;
    server->thread_count = threads;
    h2o_config_init(&server->config);
    server->config.server_name = h2o_iovec_init(H2O_STRLIT("sts"));
    /* Bodies up to twice our limit reach the handler; beyond that h2o stops reading and its 413 (HTTP/1.1) goes
     * through the error filter; over HTTP/2 it resets the stream (REFUSED_STREAM), as it cannot answer there. */
    server->config.max_request_entity_size = limits->max_body_bytes * 2;
    server->config.http1.req_timeout = (uint64_t)limits->header_timeout_ms;
    server->config.handshake_timeout = (uint64_t)limits->header_timeout_ms;
    server->config.http2.idle_timeout = (uint64_t)limits->idle_timeout_ms;
    h2o_hostconf_t *host = h2o_config_register_host(&server->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    /* h2o answers errors found before routing (a body over its limit) on the host's fallback path. */
    sts__rest_error_filter_register(server, &host->fallback_path);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    sts__rest_error_filter_register(server, path);
    sts__rest_access_log_register(path);
    sts__rest_handler_t *handler = (sts__rest_handler_t *)h2o_create_handler(path, sizeof(*handler));
    handler->super.on_req = sts__rest_on_request;
    handler->server = server;
    for (int i = 0; i < threads; i++) {
        server->threads[i].server = server;
        server->threads[i].fd = fds[i];
    }
    return server;
}

int sts_rest_server_port(const sts_rest_server_t *server)
{
    return server->port;
}

int sts_rest_server_start(sts_rest_server_t *server)
{
    for (int i = 0; i < server->thread_count; i++) {
        sts__rest_thread_t *thread = &server->threads[i];
        if (pthread_create(&thread->thread, NULL, run_loop, thread) != 0) {
            sts_log_error("cannot start REST thread %d", i);
            return -1;
        }
        thread->started = 1; /* the thread owns fd now */
    }
    return 0;
}

void sts_rest_server_shutdown(sts_rest_server_t *server, int drain_ms)
{
    server->drain_ms = drain_ms;
    atomic_store(&server->stopping, 1);
    for (int i = 0; i < server->thread_count; i++) {
        if (server->threads[i].started && !server->threads[i].joined)
            pthread_join(server->threads[i].thread, NULL);
        server->threads[i].joined = 1;
    }
    sts_log_info("rest: stopped after answering %lu requests; %lu connections refused at max_connections",
                 atomic_load(&server->answered), atomic_load(&server->refused));
}

void sts_rest_server_destroy(sts_rest_server_t *server)
{
    /* A failed start (or one of the other listener's) leaves loops running that use the server: stop them first. */
    for (int i = 0; i < server->thread_count; i++) {
        if (server->threads[i].started && !server->threads[i].joined) {
            sts_rest_server_shutdown(server, 0);
            break;
        }
    }
    for (int i = 0; i < server->thread_count; i++) {
        if (!server->threads[i].started)
            close(server->threads[i].fd); /* never handed to a thread */
    }
    h2o_config_dispose(&server->config);
    SSL_CTX_free(server->ssl_ctx);
    sts_router_destroy(server->router);
    free(server);
}
