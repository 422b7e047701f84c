/* Handlers the test proto's generated table points at. Tests use the table for its shape, not to run calls. */
#include "sts_test_methods.h"

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
