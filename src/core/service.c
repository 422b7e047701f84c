#include "core/service.h"

#include <string.h>

void sts_service_defaults(sts_service_t *service, const sts_method_table_t *methods)
{
    static const char *const admin[] = {"admin"};
    memset(service, 0, sizeof(*service));
    service->admin_roles = (sts_role_list_t){admin, 1};
    service->issuer_roles = (sts_role_list_t){admin, 1};
    service->methods = methods;
    service->endpoint_url = "";
    service->default_duration_seconds = 3600;
    service->min_duration_seconds = 900;
    service->max_duration_seconds = 43200;
    service->max_policy_length = 2048;
    service->max_tokens_per_user = 2;
    service->list_default_limit = 100;
    service->list_max_limit = 1000;
    service->max_access_token_lifetime_us = 90LL * 86400 * 1000000;
    service->self_service_tokens = 1;
}

int64_t sts_service_token_expiry(const sts_service_t *service, int64_t creation_time, int64_t expiration_time)
{
    int64_t capped = creation_time + service->max_access_token_lifetime_us;
    return expiration_time != 0 && expiration_time < capped ? expiration_time : capped;
}
