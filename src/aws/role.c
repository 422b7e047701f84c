#include "aws/role.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aws/sigv4.h"

int sts_aws_role_name(const char *arn, char *out, size_t out_size)
{
    static const char prefix[] = "arn:aws:iam:";
    if (strncmp(arn, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    /* The region field (empty for IAM), then the account (RGW's tenant), then the resource. */
    const char *account = strchr(arn + sizeof(prefix) - 1, ':');
    const char *resource = account != NULL ? strchr(account + 1, ':') : NULL;
    if (resource == NULL || strncmp(resource + 1, "role/", 5) != 0)
        return -1;
    const char *name = strrchr(resource, '/') + 1;
    size_t len = strlen(name);
    if (len == 0 || len >= out_size)
        return -1;
    memcpy(out, name, len + 1);
    return 0;
}

static void describe(sts_aws_role_t *out, const char *role_arn, const sts_aws_reply_t *reply, const char *url)
{
    const sts_aws_response_t *r = &reply->response;
    const char *code = r->error_code != NULL && r->error_code[0] != '\0' ? r->error_code : "no error code";
    if (reply->outcome != STS_AWS_ANSWERED) {
        snprintf(out->message, sizeof(out->message), "cannot look up role %.200s: %.500s", role_arn, reply->message);
    } else if (reply->http_status == 404 || strcmp(code, "NoSuchEntity") == 0) {
        out->state = STS_AWS_ROLE_MISSING;
        snprintf(out->message, sizeof(out->message), "role %s does not exist at %s (GetRole: %ld %s)", role_arn, url,
                 reply->http_status, code);
    } else if (reply->http_status != 200) {
        snprintf(out->message, sizeof(out->message),
                 "GetRole for %s at %s was refused (%ld %s): the configured keys need the IAM 'roles' read "
                 "capability",
                 role_arn, url, reply->http_status, code);
    } else if (r->role_id == NULL || r->role_id[0] == '\0' || strlen(r->role_id) >= STS_AWS_ROLE_ID_MAX) {
        snprintf(out->message, sizeof(out->message), "GetRole for %s at %s answered without a usable RoleId", role_arn,
                 url);
    } else {
        out->state = STS_AWS_ROLE_FOUND;
        memcpy(out->id, r->role_id, strlen(r->role_id) + 1);
        long max = r->max_session_duration != NULL ? strtol(r->max_session_duration, NULL, 10) : 0;
        out->max_session_seconds = max > 0 && max <= INT32_MAX ? (int32_t)max : 0;
    }
}

void sts_aws_role_get(sts_aws_client_t *client, const char *role_arn, sts_aws_role_t *out)
{
    memset(out, 0, sizeof(*out));
    out->state = STS_AWS_ROLE_UNKNOWN;
    char name[256];
    if (sts_aws_role_name(role_arn, name, sizeof(name)) != 0) {
        snprintf(out->message, sizeof(out->message), "'%.200s' is not an IAM role ARN (arn:aws:iam::…:role/NAME)",
                 role_arn);
        return;
    }
    sts_buf_t form;
    sts_buf_init(&form, 1024);
    int rc = sts_buf_append_str(&form, "Action=GetRole&Version=2010-05-08&RoleName=");
    rc |= sts_aws_sigv4_uri_encode(&form, name) | sts_buf_append(&form, "", 1);
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_aws_reply_t *reply = sts_arena_calloc(&arena, sizeof(*reply));
    if (rc == 0) {
        sts_aws_client_call(client, "iam", form.data, NULL, 0, &arena, reply);
        describe(out, role_arn, reply, client->shown_url);
    }
    sts_arena_dispose(&arena);
    sts_buf_dispose(&form);
}
