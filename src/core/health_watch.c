/*
 * grpc.health.v1.Health/Watch, as health.proto describes it: the current status at once, then a message each time it
 * changes, until the client cancels. An unknown service gets SERVICE_UNKNOWN and the stream stays open (the service
 * could become known; ours never do, since the method table is fixed). At shutdown every watcher is told NOT_SERVING
 * (gRPC's own health service does the same when it shuts down), then the stream ends with UNAVAILABLE, so clients
 * move to another replica instead of waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "core/readiness.h"
#include "core/service.h"
#include "core/stream.h"
#include "sts_methods.h"
#include "util/log.h"

typedef struct {
    sts_readiness_watcher_t watcher;
    sts_stream_t *stream;
    sts_readiness_t *readiness; /* NULL when the service has no readiness to follow */
    int known;                  /* the service is "" or one the table serves */
    int named;                  /* a named service follows readiness; "" is the process, always serving */
    int sending;
    int stopping;
    int last_sent; /* -1 until the first message */
} watch_t;

static int current_status(watch_t *watch)
{
    if (!watch->known)
        return GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
    if (watch->stopping)
        return GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
    char message[STS_READINESS_MESSAGE_MAX];
    int ready =
        !watch->named || watch->readiness == NULL || sts_readiness_get(watch->readiness, message, sizeof(message));
    return ready ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                 : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
}

/* Sends the status when it differs from the last one sent; one send at a time, so flips that happen while one is
 * going out collapse into the latest, as in gRPC's own health service. */
static void push(sts_stream_t *stream)
{
    watch_t *watch = sts_stream_data(stream);
    if (watch->sending)
        return;
    int status = current_status(watch);
    if (status == watch->last_sent) {
        if (watch->stopping)
            sts_stream_finish(stream, STS_STATUS_UNAVAILABLE, "the server is shutting down");
        return;
    }
    Grpc__Health__V1__HealthCheckResponse response = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    response.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
    if (sts_stream_send(stream, &response.base) == 0) {
        watch->sending = 1;
        watch->last_sent = status;
    }
}

static void readiness_changed(void *arg)
{
    sts_stream_wake(arg);
}

static sts_status_t watch_open(sts_stream_t *stream, const ProtobufCMessage *request_message)
{
    const Grpc__Health__V1__HealthCheckRequest *request = (const Grpc__Health__V1__HealthCheckRequest *)request_message;
    sts_call_t *call = sts_stream_call(stream);
    watch_t *watch = calloc(1, sizeof(*watch));
    if (watch == NULL)
        sts_log_fatal("out of memory");
    watch->stream = stream;
    watch->last_sent = -1;
    watch->named = request->service[0] != '\0';
    watch->known = !watch->named || sts_method_table_has_service(call->service->methods, request->service);
    watch->readiness = watch->named && watch->known ? call->service->readiness : NULL;
    sts_stream_set_data(stream, watch);
    if (watch->readiness != NULL) {
        watch->watcher.changed = readiness_changed;
        watch->watcher.arg = stream;
        sts_readiness_watch(watch->readiness, &watch->watcher);
    }
    push(stream);
    return STS_STATUS_OK;
}

static void watch_sent(sts_stream_t *stream)
{
    watch_t *watch = sts_stream_data(stream);
    watch->sending = 0;
    push(stream);
}

static void watch_shutdown(sts_stream_t *stream)
{
    watch_t *watch = sts_stream_data(stream);
    watch->stopping = 1;
    push(stream);
}

static void watch_closed(sts_stream_t *stream, void *data, int cancelled)
{
    (void)stream, (void)cancelled;
    watch_t *watch = data;
    if (watch == NULL)
        return;
    /* After this no readiness flip can wake the stream, which the adapter is about to free. */
    if (watch->readiness != NULL)
        sts_readiness_unwatch(watch->readiness, &watch->watcher);
    free(watch);
}

const sts_stream_handler_t sts_stream_health_watch = {
    .open = watch_open,
    .on_sent = watch_sent,
    .on_wake = push,
    .on_shutdown = watch_shutdown,
    .on_closed = watch_closed,
    .max_messages = 1,
};
