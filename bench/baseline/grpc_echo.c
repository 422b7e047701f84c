/*
 * The gRPC baseline: bare gRPC core answering /bench.Echo/Echo with its request, on N completion-queue threads.
 * Given a certificate and key it serves over TLS with gRPC's own defaults (TLS 1.2 minimum, ECDHE with AES-GCM),
 * which stsd's gRPC listener keeps too.
 *
 *   grpc_echo [THREADS [CERT_FILE KEY_FILE]]
 */
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    grpc_server *server;
    grpc_completion_queue *cq;
    void *method;
} worker_t;

typedef struct {
    worker_t *worker;
    int replying;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array metadata;
    grpc_byte_buffer *payload;
    int cancelled;
} echo_call_t;

/* The whole file as a string, or exit: a baseline that cannot read its certificate has nothing to measure. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size = -1;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (text = malloc((size_t)size + 1)) != NULL && fread(text, 1, (size_t)size, f) == (size_t)size) {
        text[size] = '\0';
        fclose(f);
        return text;
    }
    fprintf(stderr, "grpc_echo: cannot read %s\n", path);
    exit(1);
}

static void request(worker_t *worker)
{
    echo_call_t *c = calloc(1, sizeof(*c));
    c->worker = worker;
    grpc_metadata_array_init(&c->metadata);
    grpc_server_request_registered_call(worker->server, worker->method, &c->call, &c->deadline, &c->metadata,
                                        &c->payload, worker->cq, worker->cq, c);
}

static void finish(echo_call_t *c)
{
    grpc_metadata_array_destroy(&c->metadata);
    if (c->payload != NULL)
        grpc_byte_buffer_destroy(c->payload);
    if (c->call != NULL)
        grpc_call_unref(c->call);
    free(c);
}

static void *run(void *arg)
{
    worker_t *worker = arg;
    for (int i = 0; i < 8; i++)
        request(worker);
    for (;;) {
        grpc_event event = grpc_completion_queue_next(worker->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (event.type != GRPC_OP_COMPLETE)
            continue;
        echo_call_t *c = event.tag;
        if (c->replying || !event.success) {
            finish(c);
            continue;
        }
        request(worker);
        grpc_op ops[4];
        memset(ops, 0, sizeof(ops));
        ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
        ops[1].op = GRPC_OP_SEND_MESSAGE;
        ops[1].data.send_message.send_message = c->payload; /* echo: the request bytes go back as they came */
        ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
        ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
        ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
        ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
        c->replying = 1;
        if (grpc_call_start_batch(c->call, c->payload != NULL ? ops : ops + 1, c->payload != NULL ? 4 : 3, c, NULL) !=
            GRPC_CALL_OK)
            finish(c);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1;
    if (threads < 1 || (argc != 1 && argc != 2 && argc != 4)) {
        fprintf(stderr, "usage: grpc_echo [THREADS [CERT_FILE KEY_FILE]]\n");
        return 2;
    }
    grpc_ssl_pem_key_cert_pair pair = {0};
    if (argc == 4) {
        pair.cert_chain = read_file(argv[2]);
        pair.private_key = read_file(argv[3]);
    }
    grpc_init();
    grpc_arg arg = {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_ALLOW_REUSEPORT, .value.integer = 0};
    grpc_channel_args args = {1, &arg};
    grpc_server *server = grpc_server_create(&args, NULL);
    void *method =
        grpc_server_register_method(server, "/bench.Echo/Echo", NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
    grpc_server_credentials *credentials = argc == 4 ? grpc_ssl_server_credentials_create(NULL, &pair, 1, 0, NULL)
                                                     : grpc_insecure_server_credentials_create();
    free((char *)pair.private_key); /* the credentials keep their own copies */
    free((char *)pair.cert_chain);
    int port = grpc_server_add_http2_port(server, "127.0.0.1:0", credentials);
    grpc_server_credentials_release(credentials);
    if (port == 0) {
        fprintf(stderr, "grpc_echo: cannot listen on 127.0.0.1%s\n", argc == 4 ? " with this certificate and key" : "");
        grpc_server_destroy(server);
        grpc_shutdown();
        return 1;
    }
    worker_t *workers = calloc((size_t)threads, sizeof(worker_t));
    for (int i = 0; i < threads; i++) {
        workers[i].server = server;
        workers[i].cq = grpc_completion_queue_create_for_next(NULL);
        grpc_server_register_completion_queue(server, workers[i].cq, NULL);
    }
    grpc_server_start(server);
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        workers[i].method = method;
        pthread_create(&thread, NULL, run, &workers[i]);
    }
    printf("listening on 127.0.0.1:%d%s\n", port, argc == 4 ? " (tls)" : "");
    fflush(stdout);
    pause(); /* stopped by SIGTERM from bench/run */
    return 0;
}
