#include "grpc/adapter.h"
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "grpc/listen_probe.h"
#include "grpc/reflection.h"
#include "grpc/rpc.h"
#include "grpc/stream.h"
#include "grpc/tls.h"
#include "util/log.h"

/* Requests kept waiting per method and per thread; more only adds memory, fewer stalls bursts. */
#define REQUESTS_PER_METHOD 4
/* Requests kept waiting per thread for unregistered methods, answered UNIMPLEMENTED. */
#define CATCHERS 2

typedef struct {
    sts__grpc_worker_t worker;
    pthread_t thread;
    int started;
} grpc_thread_t;

struct sts_grpc_server_s {
    const sts_service_t *service;
    grpc_server *server;
    int port;
    atomic_int stopping;
    atomic_ulong replied;
    atomic_ulong cancelled;
    atomic_int pending;
    atomic_int armed;
    atomic_int in_flight;
    int shut_down;
    sts__grpc_tls_t *tls; /* NULL for plain text */
    sts__grpc_streams_t streams;
    sts__grpc_reflection_t *reflection;
    void **registered;
    int thread_count;
    grpc_thread_t threads[];
};

static void *run(void *arg)
{
    grpc_thread_t *thread = arg;
    for (;;) {
        grpc_event event = grpc_completion_queue_next(thread->worker.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (event.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (event.type == GRPC_OP_COMPLETE)
            sts__grpc_tag_complete(event.tag, event.success);
    }
    return NULL;
}

void sts_grpc_limits_defaults(sts_grpc_limits_t *limits)
{
    *limits = (sts_grpc_limits_t){.max_message_bytes = 65536,
                                  .max_concurrent_streams = 100,
                                  .min_ping_interval_ms = 300000,
                                  .max_ping_strikes = 2,
                                  .max_connection_age_ms = 1800000,
                                  .max_connection_age_grace_ms = 30000};
}

static grpc_arg integer_arg(const char *key, int value)
{
    grpc_arg arg = {.type = GRPC_ARG_INTEGER, .key = (char *)key};
    arg.value.integer = value;
    return arg;
}

static grpc_server *create_grpc_server(const sts_grpc_limits_t *limits)
{
    grpc_arg args[] = {
        integer_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, (int)limits->max_message_bytes),
        /* With reuse allowed, a second stsd would silently share the port instead of failing. */
        integer_arg(GRPC_ARG_ALLOW_REUSEPORT, 0),
        integer_arg(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits->max_concurrent_streams),
        integer_arg(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, limits->min_ping_interval_ms),
        /* Otherwise gRPC counts every ping on a connection without calls closer than two hours as a strike, and the
         * configured interval would hold only while calls run. */
        integer_arg(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1),
        integer_arg(GRPC_ARG_HTTP2_MAX_PING_STRIKES, limits->max_ping_strikes),
        /* gRPC reads INT_MAX as "never"; 0 would mean "at once". */
        integer_arg(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                    limits->max_connection_age_ms > 0 ? limits->max_connection_age_ms : INT_MAX),
        integer_arg(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, limits->max_connection_age_grace_ms),
    };
    grpc_channel_args channel_args = {.num_args = sizeof(args) / sizeof(args[0]), .args = args};
    return grpc_server_create(&channel_args, NULL);
}

sts_grpc_server_t *sts_grpc_server_create(const sts_service_t *service, const char *listen, int threads,
                                          const sts_grpc_limits_t *limits, sts_tls_source_t *tls, char *error,
                                          size_t error_size)
{
    /* gRPC core would log its own multi-line error before failing: the reason is found and said once, here. */
    if (sts__grpc_listen_probe(listen, error, error_size) != 0)
        return NULL;
    grpc_init();
    sts_grpc_server_t *s = calloc(1, sizeof(*s) + (size_t)threads * sizeof(grpc_thread_t));
    const sts_method_table_t *table = service->methods;
    void **registered = calloc(table->method_count + 1, sizeof(void *));
    if (s == NULL || registered == NULL)
        sts_log_fatal("out of memory");
    s->service = service;
    s->registered = registered;
    sts__grpc_streams_init(&s->streams);
    s->reflection = sts__grpc_reflection_create(table);
    s->thread_count = threads;
    s->server = create_grpc_server(limits);
    for (int i = 0; i < threads; i++) {
        sts__grpc_worker_t *worker = &s->threads[i].worker;
        worker->server = s->server;
        worker->cq = grpc_completion_queue_create_for_next(NULL);
        worker->service = service;
        worker->registered = registered;
        worker->stopping = &s->stopping;
        worker->replied = &s->replied;
        worker->cancelled = &s->cancelled;
        worker->pending = &s->pending;
        worker->armed = &s->armed;
        worker->in_flight = &s->in_flight;
        worker->verified_client_certificates = tls != NULL && sts_tls_source_has_client_ca(tls);
        worker->streams = &s->streams;
        worker->reflection = s->reflection;
        grpc_server_register_completion_queue(s->server, worker->cq, NULL);
    }
    /* Unary rows get their one message with the call; streaming rows read theirs one at a time. */
    for (size_t m = 0; m < table->method_count; m++)
        registered[m] = grpc_server_register_method(s->server, table->methods[m].grpc_path, NULL,
                                                    (table->methods[m].flags & STS_METHOD_STREAMING)
                                                        ? GRPC_SRM_PAYLOAD_NONE
                                                        : GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
                                                    0);
    grpc_server_credentials *credentials =
        tls != NULL ? sts__grpc_tls_credentials(tls, &s->tls) : grpc_insecure_server_credentials_create();
    if (credentials == NULL) {
        snprintf(error, error_size, "cannot set up TLS for gRPC on %s", listen);
        sts_grpc_server_destroy(s);
        return NULL;
    }
    s->port = grpc_server_add_http2_port(s->server, listen, credentials);
    grpc_server_credentials_release(credentials);
    if (s->port == 0) {
        snprintf(error, error_size,
                 "cannot listen for gRPC on %s: the address is already in use or is not a valid HOST:PORT", listen);
        sts_grpc_server_destroy(s);
        return NULL;
    }
    return s;
}

int sts_grpc_server_port(const sts_grpc_server_t *server)
{
    return server->port;
}

int sts_grpc_server_start(sts_grpc_server_t *s)
{
    grpc_server_start(s->server);
    for (int i = 0; i < s->thread_count; i++) {
        const sts__grpc_worker_t *worker = &s->threads[i].worker;
        for (size_t m = 0; m < s->service->methods->method_count; m++) {
            for (int k = 0; k < REQUESTS_PER_METHOD; k++)
                sts__grpc_rpc_request(worker, (long)m);
        }
        for (int k = 0; k < CATCHERS; k++)
            sts__grpc_rpc_request(worker, -1);
    }
    for (int i = 0; i < s->thread_count; i++) {
        if (pthread_create(&s->threads[i].thread, NULL, run, &s->threads[i]) != 0) {
            sts_log_error("cannot start a gRPC thread");
            return -1;
        }
        s->threads[i].started = 1;
    }
    return 0;
}

/* Runs a queue that never had a thread (start failed or was never called) down to its shutdown event. */
static void drain_queue(grpc_completion_queue *cq)
{
    grpc_completion_queue_shutdown(cq);
    for (;;) {
        grpc_event event = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (event.type == GRPC_QUEUE_SHUTDOWN)
            return;
        if (event.type == GRPC_OP_COMPLETE)
            sts__grpc_tag_complete(event.tag, 0);
    }
}

/*
 * gRPC's shutdown sends GOAWAY but completes only once every client has closed its connection, which an idle
 * channel never does. So wait for our own calls instead: once no request is left posted (gRPC fails them at
 * shutdown) and no call is in flight, nothing remains to drain and the connections can be closed.
 */
static int wait_for_calls(sts_grpc_server_t *s, grpc_completion_queue *done, int drain_ms)
{
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(drain_ms, GPR_TIMESPAN));
    for (;;) {
        gpr_timespec step = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(5, GPR_TIMESPAN));
        if (gpr_time_cmp(step, deadline) > 0)
            step = deadline;
        if (grpc_completion_queue_pluck(done, s, step, NULL).type == GRPC_OP_COMPLETE)
            return 1; /* every client had already gone */
        if (atomic_load(&s->armed) == 0 && atomic_load(&s->in_flight) == 0)
            return 0;
        if (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), deadline) >= 0)
            return -1;
    }
}

void sts_grpc_server_shutdown(sts_grpc_server_t *s, int drain_ms)
{
    atomic_store(&s->stopping, 1);
    grpc_completion_queue *done = grpc_completion_queue_create_for_pluck(NULL);
    grpc_server_shutdown_and_notify(s->server, done, s);
    /* Streams (Watch, reflection) never end on their own: tell them, so the drain is not spent waiting on them. */
    sts__grpc_streams_shutdown(&s->streams);
    int drained = wait_for_calls(s, done, drain_ms);
    if (drained <= 0) {
        if (drained < 0 && drain_ms > 0)
            sts_log_warn("grpc: %d calls still running after %d ms; cancelling them", atomic_load(&s->in_flight),
                         drain_ms);
        /* Also closes every connection, which is what completes the shutdown when no call is left. */
        grpc_server_cancel_all_calls(s->server);
        grpc_completion_queue_pluck(done, s, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    }
    grpc_completion_queue_shutdown(done);
    grpc_completion_queue_destroy(done);
    /*
     * gRPC's shutdown counts connections, not our queues: calls it handed us just before (their events still
     * queued) and worker calls still replying must finish first, or they would start a batch on a queue that is
     * shut down. Their clients are gone or cancelled now, so they finish at once.
     */
    while (atomic_load(&s->armed) > 0 || atomic_load(&s->in_flight) > 0 || atomic_load(&s->pending) > 0)
        usleep(1000);
    for (int i = 0; i < s->thread_count; i++) {
        if (s->threads[i].started) {
            grpc_completion_queue_shutdown(s->threads[i].worker.cq);
            pthread_join(s->threads[i].thread, NULL);
            s->threads[i].started = 0;
        } else {
            drain_queue(s->threads[i].worker.cq);
        }
    }
    s->shut_down = 1;
    /* Operators and the shutdown test read this line to confirm no admitted call was cut off. */
    sts_log_info("grpc: stopped after replying to %lu calls; %lu cancelled before their reply",
                 atomic_load(&s->replied), atomic_load(&s->cancelled));
}

void sts_grpc_server_destroy(sts_grpc_server_t *s)
{
    if (!s->shut_down)
        sts_grpc_server_shutdown(s, 0);
    grpc_server_destroy(s->server);
    for (int i = 0; i < s->thread_count; i++)
        grpc_completion_queue_destroy(s->threads[i].worker.cq);
    sts__grpc_tls_free(s->tls); /* the fetcher's state: nothing handshakes once the server is gone */
    sts__grpc_streams_dispose(&s->streams);
    sts__grpc_reflection_destroy(s->reflection);
    free(s->registered);
    free(s);
    grpc_shutdown();
}
