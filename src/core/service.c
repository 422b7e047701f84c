#include "core/service.h"

#include <string.h>

void sts_service_defaults(sts_service_t *service, const sts_method_table_t *methods)
{
    memset(service, 0, sizeof(*service));
    service->methods = methods;
    service->endpoint_url = "";
    service->default_duration_seconds = 3600;
    service->min_duration_seconds = 900;
    service->max_duration_seconds = 43200;
    service->max_policy_length = 2048;
    service->max_tokens_per_user = 2;
    service->list_default_limit = 100;
    service->list_max_limit = 1000;
}
