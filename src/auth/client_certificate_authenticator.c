#include "auth/client_certificate_authenticator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sts/v1/access_tokens.pb-c.h"
#include "util/log.h"
#include "util/text.h"

typedef struct {
    char *common_name;
    char **roles;
    size_t role_count;
} grant_t;

struct sts_client_certificate_authenticator_s {
    grant_t *grants;
    size_t grant_count;
};

static void trim(const char **text, size_t *len)
{
    while (*len > 0 && (**text == ' ' || **text == '\t'))
        (*text)++, (*len)--;
    while (*len > 0 && ((*text)[*len - 1] == ' ' || (*text)[*len - 1] == '\t'))
        (*len)--;
}

static int add_grant(sts_client_certificate_authenticator_t *auth, const char *text, size_t len)
{
    trim(&text, &len);
    const char *equals = len > 3 && strncmp(text, "cn:", 3) == 0 ? memrchr(text, '=', len) : NULL;
    if (equals == NULL || equals == text + 3 || equals == text + len - 1)
        return -1;
    grant_t *grown = realloc(auth->grants, (auth->grant_count + 1) * sizeof(grant_t));
    if (grown == NULL)
        sts_log_fatal("out of memory");
    auth->grants = grown;
    grant_t *grant = &auth->grants[auth->grant_count++];
    memset(grant, 0, sizeof(*grant));
    grant->common_name = sts_strndup(text + 3, (size_t)(equals - text - 3));
    const char *end = text + len;
    for (const char *role = equals + 1; role <= end;) {
        const char *bar = memchr(role, '|', (size_t)(end - role));
        size_t role_len = (size_t)((bar != NULL ? bar : end) - role);
        if (role_len == 0)
            return -1;
        char **roles = realloc(grant->roles, (grant->role_count + 1) * sizeof(char *));
        if (roles == NULL)
            sts_log_fatal("out of memory");
        grant->roles = roles;
        grant->roles[grant->role_count++] = sts_strndup(role, role_len);
        role += role_len + 1;
    }
    return 0;
}

sts_client_certificate_authenticator_t *sts_client_certificate_authenticator_create(const char *grants, char *error,
                                                                                    size_t error_size)
{
    sts_client_certificate_authenticator_t *auth = calloc(1, sizeof(*auth));
    if (auth == NULL)
        sts_log_fatal("out of memory");
    for (const char *p = grants; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (add_grant(auth, p, len) != 0) {
            snprintf(error, error_size, "client_cert_roles: '%.*s' is not cn:NAME=role|role",
                     (int)(len > 64 ? 64 : len), p);
            sts_client_certificate_authenticator_destroy(auth);
            return NULL;
        }
        p += len + (p[len] == ',');
    }
    return auth;
}

/*
 * RFC 2253: attributes separated by ',' (or '+' inside a multi-valued RDN), "type=value", and in values '\' escapes
 * a special character or starts two hex digits. The value ends at the first unescaped ',' or '+'. Hex escapes of
 * control characters (and NUL) stay escaped, so a name like "admin\00x" can never read as "admin".
 */
const char *sts_client_certificate_common_name(sts_arena_t *arena, const char *subject)
{
    const char *p = subject;
    while (*p != '\0') {
        size_t type_len = strcspn(p, "=,+");
        int is_cn = p[type_len] == '=' && ((type_len == 2 && strncasecmp(p, "CN", 2) == 0) ||
                                           (type_len == 7 && strncmp(p, "2.5.4.3", 7) == 0));
        p += type_len;
        if (*p == '=')
            p++;
        char *value = is_cn ? sts_arena_alloc(arena, strlen(p) + 1) : NULL;
        size_t n = 0;
        while (*p != '\0' && *p != ',' && *p != '+') {
            char c = *p++;
            if (c == '\\' && *p != '\0') {
                int hi = sts_hex_value(p[0]), lo = hi >= 0 && p[1] != '\0' ? sts_hex_value(p[1]) : -1;
                int byte = lo >= 0 ? hi << 4 | lo : -1;
                if (byte >= 0x20 && byte != 0x7f) {
                    c = (char)byte;
                    p += 2;
                } else if (lo < 0) {
                    c = *p++;
                }
            }
            if (value != NULL)
                value[n++] = c;
        }
        if (value != NULL) {
            value[n] = '\0';
            return value;
        }
        if (*p != '\0')
            p++;
    }
    return NULL;
}

sts_status_t sts_client_certificate_authenticate(sts_client_certificate_authenticator_t *auth, sts_call_t *call)
{
    const char *subject = call->client_certificate_subject;
    const char *common_name = sts_client_certificate_common_name(&call->arena, subject);
    sts_principal_t *principal = &call->principal;
    /* Certificate callers are a namespace of their own: (X509, subject DN, CN) never equals a LOCAL or JWT user. */
    principal->authenticated = 1;
    principal->domain = STS__V1__IDENTITY_DOMAIN__X509;
    principal->auth_id = subject;
    principal->name = common_name != NULL ? common_name : subject;
    size_t count = 0;
    for (size_t i = 0; common_name != NULL && i < auth->grant_count; i++)
        count += strcmp(auth->grants[i].common_name, common_name) == 0 ? auth->grants[i].role_count : 0;
    const char **roles = sts_arena_alloc(&call->arena, (count + 1) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; common_name != NULL && i < auth->grant_count; i++) {
        for (size_t r = 0; strcmp(auth->grants[i].common_name, common_name) == 0 && r < auth->grants[i].role_count; r++)
            roles[n++] = auth->grants[i].roles[r];
    }
    principal->roles = roles;
    principal->role_count = n;
    return STS_STATUS_OK;
}

void sts_client_certificate_authenticator_destroy(sts_client_certificate_authenticator_t *auth)
{
    if (auth == NULL)
        return;
    for (size_t i = 0; i < auth->grant_count; i++) {
        free(auth->grants[i].common_name);
        for (size_t r = 0; r < auth->grants[i].role_count; r++)
            free(auth->grants[i].roles[r]);
        free(auth->grants[i].roles);
    }
    free(auth->grants);
    free(auth);
}
