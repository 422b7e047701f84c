#include "aws/client.h"
#include "dynload/curl.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/metrics.h"
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/* Splits the URL into what the signature needs: the Host header value and the path. */
static int parse_url(sts_aws_client_t *client, const char *url, char *error, size_t error_size)
{
    CURLU *parsed = sts_curl.url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (sts_curl.url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        sts_curl.url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        sts_curl.url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        char shown[STS_AWS_URL_SHOWN_MAX];
        snprintf(error, error_size, "sts_endpoint_url '%.200s' is not an http or https URL",
                 sts_url_redact(url, shown, sizeof(shown)));
    } else {
        sts_curl.url_get(parsed, CURLUPART_PORT, &port, 0);
        sts_curl.url_get(parsed, CURLUPART_PATH, &path, 0);
        size_t size = strlen(host) + (port != NULL ? strlen(port) + 2 : 1);
        client->host_header = malloc(size);
        if (client->host_header == NULL)
            sts_log_fatal("out of memory");
        snprintf(client->host_header, size, port != NULL ? "%s:%s" : "%s", host, port != NULL ? port : "");
        client->path = sts_strdup(path != NULL && path[0] != '\0' ? path : "/");
        rc = 0;
    }
    sts_curl.free(scheme);
    sts_curl.free(host);
    sts_curl.free(port);
    sts_curl.free(path);
    sts_curl.url_cleanup(parsed);
    return rc;
}

int sts_aws_client_init(sts_aws_client_t *client, const sts_aws_connection_t *connection, char *error,
                        size_t error_size)
{
    memset(client, 0, sizeof(*client));
    if (sts_dynload_require(&sts_curl_library, error, error_size) != 0 ||
        parse_url(client, connection->url, error, error_size) != 0)
        return -1;
    int rc =
        sts_aws_keys_init(&client->keys, connection->access_key_file, connection->secret_key_file, error, error_size);
    if (rc != 0) {
        free(client->host_header);
        free(client->path);
        return rc;
    }
    sts_url_redact(connection->url, client->shown_url, sizeof(client->shown_url));
    client->url = sts_strdup(connection->url);
    client->region = sts_strdup(connection->region);
    client->ca_file = sts_strdup(connection->ca_file);
    client->endpoint = (sts_aws_endpoint_t){client->url,
                                            client->host_header,
                                            client->path,
                                            client->region,
                                            connection->connect_timeout_ms,
                                            connection->timeout_ms,
                                            client->ca_file,
                                            connection->insecure};
    return 0;
}

/* The form's Action, which it names first ("Action=AssumeRole&..."). */
static sts_upstream_operation_t operation_of(const char *form)
{
    if (strncmp(form, "Action=", 7) != 0)
        return STS_UPSTREAM_OTHER;
    return sts_metrics_upstream_operation(form + 7, strcspn(form + 7, "&"));
}

static sts_upstream_outcome_t outcome_of(const sts_aws_reply_t *reply)
{
    switch (reply->outcome) {
    case STS_AWS_ANSWERED:
        return reply->http_status >= 200 && reply->http_status < 300 ? STS_UPSTREAM_OK : STS_UPSTREAM_REFUSED;
    case STS_AWS_UNREACHABLE:
        return STS_UPSTREAM_UNREACHABLE;
    case STS_AWS_TIMED_OUT:
    case STS_AWS_DEADLINE:
        return STS_UPSTREAM_TIMEOUT;
    default:
        return STS_UPSTREAM_INVALID;
    }
}

void sts_aws_client_call(sts_aws_client_t *client, const char *service, const char *form, const char *request_id,
                         int64_t deadline_ns, sts_arena_t *arena, sts_aws_reply_t *out)
{
    int64_t started_ns = sts_time_monotonic_ns();
    char access_key[STS_AWS_KEY_MAX], secret_key[STS_AWS_KEY_MAX];
    sts_aws_keys_get(&client->keys, access_key, secret_key);
    sts_buf_t body;
    sts_buf_init(&body, STS_AWS_RESPONSE_MAX_BYTES);
    sts_aws_http_result_t result;
    sts_aws_http_post(&client->endpoint, service, access_key, secret_key, form, request_id, deadline_ns, &body,
                      &result);
    OPENSSL_cleanse(secret_key, sizeof(secret_key));
    const char *url = client->shown_url;
    const char *error = NULL;
    memset(&out->response, 0, sizeof(out->response));
    out->outcome = result.outcome;
    out->http_status = result.http_status;
    out->message[0] = '\0';
    switch (result.outcome) {
    case STS_AWS_DEADLINE:
        snprintf(out->message, sizeof(out->message), "the caller's deadline ran out waiting for the STS at %s", url);
        break;
    case STS_AWS_TIMED_OUT:
        snprintf(out->message, sizeof(out->message), "the STS at %s did not answer in time: %s", url, result.cause);
        break;
    case STS_AWS_UNREACHABLE:
        snprintf(out->message, sizeof(out->message), "cannot reach the STS at %s: %s", url, result.cause);
        break;
    case STS_AWS_TOO_LARGE:
        snprintf(out->message, sizeof(out->message), "the STS at %s sent a response larger than %d bytes", url,
                 STS_AWS_RESPONSE_MAX_BYTES);
        break;
    case STS_AWS_ANSWERED:
    case STS_AWS_MALFORMED:
        if (sts_aws_response_parse(body.data, body.len, &out->response, arena, &error) != 0 &&
            result.http_status == 200) {
            out->outcome = STS_AWS_MALFORMED;
            snprintf(out->message, sizeof(out->message), "the STS at %s sent a response that is not STS XML: %s", url,
                     error);
        }
        break;
    }
    sts_buf_dispose(&body);
    sts_metrics_count_upstream(operation_of(form), outcome_of(out), (sts_time_monotonic_ns() - started_ns) / 1000);
}

void sts_aws_client_dispose(sts_aws_client_t *client)
{
    sts_aws_keys_dispose(&client->keys);
    free(client->url);
    free(client->host_header);
    free(client->path);
    free(client->region);
    free(client->ca_file);
}
