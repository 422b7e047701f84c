#include "sts_methods.h"

#include "core/service.h"
#include "grpc/health/v1/health.pb-c.h"

sts_status_t sts_handle_health_check(sts_call_t *call, const ProtobufCMessage *request_message,
                                     ProtobufCMessage *response_message)
{
    const Grpc__Health__V1__HealthCheckRequest *request = (const Grpc__Health__V1__HealthCheckRequest *)request_message;
    Grpc__Health__V1__HealthCheckResponse *response = (Grpc__Health__V1__HealthCheckResponse *)response_message;
    if (request->service[0] != '\0' && !sts_method_table_has_service(call->service->methods, request->service))
        return sts_call_fail(call, STS_STATUS_NOT_FOUND, "unknown service '%.128s'", request->service);
    /* "" is the process (liveness); a named service is ready only while the issuer's last check passed. */
    char message[STS_READINESS_MESSAGE_MAX];
    int ready = request->service[0] == '\0' || call->service->readiness == NULL ||
                sts_readiness_get(call->service->readiness, message, sizeof(message));
    response->status = ready ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                             : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
    return STS_STATUS_OK;
}
