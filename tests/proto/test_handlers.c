/* Handlers the test proto's generated table points at. Tests use the table for its shape, not to run calls. */
#include "sts_test_methods.h"

#include "core/stream.h"

sts_status_t sts_handle_test_service_get(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_test_service_put(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_test_service_no_http(sts_call_t *call, const ProtobufCMessage *request,
                                             ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_test_service_list(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_probe_check(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_probe_other(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response)
{
    (void)call, (void)request, (void)response;
    return STS_STATUS_OK;
}

/* probe.proto's Watch streams: the table points at a stream handler, which the tests never run. */
static sts_status_t probe_watch_open(sts_stream_t *stream, const ProtobufCMessage *request)
{
    (void)stream, (void)request;
    return STS_STATUS_OK;
}

const sts_stream_handler_t sts_stream_probe_watch = {.open = probe_watch_open};
