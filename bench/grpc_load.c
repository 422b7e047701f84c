/*
 * grpc_load: a gRPC core load generator (Debian ships none). Keeps --concurrency calls in flight over --channels
 * channels for --duration seconds (after --warmup) or for --calls calls, and reports calls per second, latency
 * percentiles and errors by status code. The request comes from --json (for methods in stsd's table, encoded with
 * stsd's own JSON transcoder) or is --bytes zero bytes (for the echo baseline). With --ca-file it connects over TLS,
 * verifying the server against that CA (and against --server-name, when the target's host is not the name on the
 * certificate).
 */
#include <getopt.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rest/json.h"
#include "sts_methods.h"

typedef struct {
    const char *target, *method, *json, *metadata_key, *metadata_value, *ca_file, *server_name;
    long bytes, calls;
    int concurrency, channels;
    double duration, warmup;
} options_t;

typedef struct {
    grpc_call *call;
    double started;
    grpc_metadata_array initial, trailing;
    grpc_byte_buffer *response;
    grpc_status_code status;
    grpc_slice details;
    int channel;
} slot_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static grpc_slice request_bytes(const options_t *o)
{
    const sts_method_t *row = sts_method_find_grpc(&sts_gen_method_table, o->method, strlen(o->method));
    if (row == NULL)
        return grpc_slice_malloc((size_t)o->bytes); /* contents do not matter to the echo baseline */
    sts_arena_t arena;
    sts_arena_init(&arena);
    ProtobufCMessage *message = sts_arena_alloc(&arena, row->request->sizeof_message);
    protobuf_c_message_init(row->request, message);
    const char *json = o->json != NULL ? o->json : "{}", *error = NULL;
    if (sts_json_decode(&sts_gen_method_table, json, strlen(json), message, &arena, &error) != 0) {
        fprintf(stderr, "grpc_load: --json: %s\n", error);
        exit(2);
    }
    grpc_slice slice = grpc_slice_malloc(protobuf_c_message_get_packed_size(message));
    protobuf_c_message_pack(message, GRPC_SLICE_START_PTR(slice));
    sts_arena_dispose(&arena);
    return slice;
}

static void start(slot_t *slot, grpc_channel *channel, grpc_completion_queue *cq, const options_t *o,
                  grpc_slice payload, grpc_metadata *metadata, size_t metadata_count)
{
    memset(slot, 0, sizeof(*slot));
    grpc_slice method = grpc_slice_from_static_string(o->method);
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(30, GPR_TIMESPAN));
    slot->call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL, deadline, NULL);
    grpc_metadata_array_init(&slot->initial);
    grpc_metadata_array_init(&slot->trailing);
    grpc_byte_buffer *request = grpc_raw_byte_buffer_create(&payload, 1);
    grpc_op ops[6];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = metadata_count;
    ops[0].data.send_initial_metadata.metadata = metadata;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = request;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &slot->initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &slot->response;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &slot->trailing;
    ops[5].data.recv_status_on_client.status = &slot->status;
    ops[5].data.recv_status_on_client.status_details = &slot->details;
    slot->started = now();
    if (grpc_call_start_batch(slot->call, ops, 6, slot, NULL) != GRPC_CALL_OK) {
        fprintf(stderr, "grpc_load: cannot start a call\n");
        exit(1);
    }
    grpc_byte_buffer_destroy(request);
}

static void finish(slot_t *slot)
{
    grpc_metadata_array_destroy(&slot->initial);
    grpc_metadata_array_destroy(&slot->trailing);
    if (slot->response != NULL)
        grpc_byte_buffer_destroy(slot->response);
    grpc_slice_unref(slot->details);
    grpc_call_unref(slot->call);
}

static void usage(void)
{
    fprintf(stderr, "usage: grpc_load --target HOST:PORT --method /pkg.Service/Method [--json JSON | --bytes N]\n"
                    "       [--metadata 'key: value'] [--concurrency N] [--channels M]\n"
                    "       [--ca-file PEM [--server-name NAME]]\n"
                    "       [--duration SECONDS [--warmup SECONDS] | --calls N]\n");
    exit(2);
}

static void parse(int argc, char **argv, options_t *o)
{
    static const struct option longs[] = {{"target", 1, 0, 't'},
                                          {"method", 1, 0, 'm'},
                                          {"json", 1, 0, 'j'},
                                          {"bytes", 1, 0, 'b'},
                                          {"metadata", 1, 0, 'H'},
                                          {"concurrency", 1, 0, 'c'},
                                          {"channels", 1, 0, 'C'},
                                          {"duration", 1, 0, 'd'},
                                          {"warmup", 1, 0, 'w'},
                                          {"calls", 1, 0, 'n'},
                                          {"ca-file", 1, 0, 'a'},
                                          {"server-name", 1, 0, 's'},
                                          {0, 0, 0, 0}};
    *o = (options_t){.concurrency = 32, .channels = 4, .duration = 10, .warmup = 2};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 't':
            o->target = optarg;
            break;
        case 'm':
            o->method = optarg;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'b':
            o->bytes = strtol(optarg, NULL, 10);
            break;
        case 'c':
            o->concurrency = (int)strtol(optarg, NULL, 10);
            break;
        case 'C':
            o->channels = (int)strtol(optarg, NULL, 10);
            break;
        case 'd':
            o->duration = strtod(optarg, NULL);
            break;
        case 'w':
            o->warmup = strtod(optarg, NULL);
            break;
        case 'n':
            o->calls = strtol(optarg, NULL, 10);
            break;
        case 'a':
            o->ca_file = optarg;
            break;
        case 's':
            o->server_name = optarg;
            break;
        case 'H': {
            char *colon = strchr(optarg, ':');
            if (colon == NULL)
                usage();
            *colon = '\0';
            o->metadata_key = optarg;
            o->metadata_value = colon + 1 + (colon[1] == ' ');
            break;
        }
        default:
            usage();
        }
    }
    if (o->target == NULL || o->method == NULL || o->concurrency < 1 || o->channels < 1 ||
        (o->server_name != NULL && o->ca_file == NULL))
        usage();
    if (o->calls > 0)
        o->warmup = 0;
}

/* Insecure credentials, or TLS trusting only the CA in --ca-file (the load generator presents no certificate). */
static grpc_channel_credentials *tls_credentials(const options_t *o)
{
    if (o->ca_file == NULL)
        return grpc_insecure_credentials_create();
    FILE *f = fopen(o->ca_file, "rb");
    char *pem = NULL;
    long size = -1;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (pem = malloc((size_t)size + 1)) == NULL || fread(pem, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "grpc_load: cannot read --ca-file %s\n", o->ca_file);
        exit(2);
    }
    fclose(f);
    pem[size] = '\0';
    grpc_channel_credentials *credentials = grpc_ssl_credentials_create(pem, NULL, NULL, NULL);
    free(pem);
    return credentials;
}

int main(int argc, char **argv)
{
    options_t o;
    parse(argc, argv, &o);
    grpc_init();
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    grpc_channel **channels = calloc((size_t)o.channels, sizeof(*channels));
    grpc_channel_credentials *credentials = tls_credentials(&o);
    for (int i = 0; i < o.channels; i++) {
        /* Distinct channel args keep gRPC from sharing one subchannel (one TCP connection) between them. */
        grpc_arg args_array[2] = {
            {.type = GRPC_ARG_INTEGER, .key = "grpc_load.channel", .value.integer = i},
            {.type = GRPC_ARG_STRING, .key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, .value.string = (char *)o.server_name},
        };
        grpc_channel_args args = {o.server_name != NULL ? 2 : 1, args_array};
        channels[i] = grpc_channel_create(o.target, credentials, &args);
    }
    grpc_channel_credentials_release(credentials);
    grpc_slice payload = request_bytes(&o);
    grpc_metadata metadata = {0};
    size_t metadata_count = 0;
    if (o.metadata_key != NULL) {
        metadata.key = grpc_slice_from_static_string(o.metadata_key);
        metadata.value = grpc_slice_from_static_string(o.metadata_value);
        metadata_count = 1;
    }
    slot_t *slots = calloc((size_t)o.concurrency, sizeof(slot_t));
    size_t capacity = 1 << 20, count = 0;
    double *latencies = malloc(capacity * sizeof(double));
    unsigned long codes[17] = {0}, errors = 0, started = 0;
    double begin = now(), measure_from = begin + o.warmup, stop_at = measure_from + o.duration;
    int in_flight = 0;
    for (int i = 0; i < o.concurrency && (o.calls == 0 || started < (unsigned long)o.calls); i++) {
        start(&slots[i], channels[i % o.channels], cq, &o, payload, &metadata, metadata_count);
        slots[i].channel = i % o.channels;
        started++;
        in_flight++;
    }
    while (in_flight > 0) {
        grpc_event event = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (event.type != GRPC_OP_COMPLETE)
            continue;
        slot_t *slot = event.tag;
        double t = now();
        if (slot->started >= measure_from) {
            if (count == capacity)
                latencies = realloc(latencies, (capacity *= 2) * sizeof(double));
            latencies[count++] = t - slot->started;
            if (slot->status != GRPC_STATUS_OK) {
                errors++;
                codes[slot->status < 17 ? slot->status : 2]++;
            }
        }
        int channel = slot->channel;
        finish(slot);
        int more = o.calls > 0 ? started < (unsigned long)o.calls : t < stop_at;
        if (more) {
            start(slot, channels[channel], cq, &o, payload, &metadata, metadata_count);
            slot->channel = channel;
            started++;
        } else {
            in_flight--;
        }
    }
    double elapsed = (o.calls > 0 ? now() : stop_at) - measure_from;
    qsort(latencies, count, sizeof(double), compare);
#define PERCENTILE(p) (count ? latencies[(size_t)fmin((double)count - 1, floor((p) * (double)count))] * 1e3 : 0.0)
    printf("RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f calls=%zu errors=%lu", count / elapsed,
           PERCENTILE(0.50), PERCENTILE(0.90), PERCENTILE(0.99), count ? latencies[count - 1] * 1e3 : 0.0, count,
           errors);
    for (int i = 0; i < 17; i++) {
        if (codes[i] > 0)
            printf(" status_%d=%lu", i, codes[i]);
    }
    printf("\n");
    free(latencies);
    free(slots);
    grpc_slice_unref(payload);
    for (int i = 0; i < o.channels; i++)
        grpc_channel_destroy(channels[i]);
    free(channels);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_shutdown();
    return errors > 0 ? 1 : 0;
}
