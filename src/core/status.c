#include "core/status.h"

const char *sts_status_name(sts_status_t status)
{
    switch (status) {
#define XX(name, code, http, message)                                                                                  \
    case STS_STATUS_##name:                                                                                            \
        return #name;
        STS_STATUS_MAP(XX)
#undef XX
    }
    return "UNKNOWN";
}

int sts_status_http(sts_status_t status)
{
    switch (status) {
#define XX(name, code, http, message)                                                                                  \
    case STS_STATUS_##name:                                                                                            \
        return http;
        STS_STATUS_MAP(XX)
#undef XX
    }
    return 500;
}

const char *sts_status_message(sts_status_t status)
{
    switch (status) {
#define XX(name, code, http, message)                                                                                  \
    case STS_STATUS_##name:                                                                                            \
        return message;
        STS_STATUS_MAP(XX)
#undef XX
    }
    return "unknown error";
}
