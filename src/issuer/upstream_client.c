#include "issuer/upstream_client.h"
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "util/text.h"

/* Splits the URL into what the signature needs: the Host header value and the path. */
static int parse_url(sts_upstream_client_t *client, const char *url, char *error, size_t error_size)
{
    CURLU *parsed = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(error, error_size, "sts_endpoint_url '%.200s' is not an http or https URL", url);
    } else {
        curl_url_get(parsed, CURLUPART_PORT, &port, 0);
        curl_url_get(parsed, CURLUPART_PATH, &path, 0);
        size_t size = strlen(host) + (port != NULL ? strlen(port) + 2 : 1);
        client->host_header = malloc(size);
        if (client->host_header == NULL)
            sts_log_fatal("out of memory");
        snprintf(client->host_header, size, port != NULL ? "%s:%s" : "%s", host, port != NULL ? port : "");
        client->path = sts_strdup(path != NULL && path[0] != '\0' ? path : "/");
        rc = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(parsed);
    return rc;
}

int sts_upstream_client_init(sts_upstream_client_t *client, const sts_upstream_connection_t *connection, char *error,
                             size_t error_size)
{
    memset(client, 0, sizeof(*client));
    if (parse_url(client, connection->url, error, error_size) != 0)
        return -1;
    if (sts_upstream_keys_init(&client->keys, connection->access_key_file, connection->secret_key_file, error,
                               error_size) != 0) {
        free(client->host_header);
        free(client->path);
        return -1;
    }
    client->url = sts_strdup(connection->url);
    client->region = sts_strdup(connection->region);
    client->ca_file = sts_strdup(connection->ca_file);
    client->endpoint = (sts_upstream_endpoint_t){client->url,
                                                 client->host_header,
                                                 client->path,
                                                 client->region,
                                                 connection->connect_timeout_ms,
                                                 connection->timeout_ms,
                                                 client->ca_file,
                                                 connection->insecure};
    return 0;
}

void sts_upstream_client_call(sts_upstream_client_t *client, const char *service, const char *form, int64_t deadline_ns,
                              sts_arena_t *arena, sts_upstream_reply_t *out)
{
    char access_key[STS_UPSTREAM_KEY_MAX], secret_key[STS_UPSTREAM_KEY_MAX];
    sts_upstream_keys_get(&client->keys, access_key, secret_key);
    sts_buf_t body;
    sts_buf_init(&body, STS_RESPONSE_MAX_BYTES);
    sts_upstream_result_t result;
    sts_upstream_post(&client->endpoint, service, access_key, secret_key, form, deadline_ns, &body, &result);
    OPENSSL_cleanse(secret_key, sizeof(secret_key));
    const char *url = client->url;
    const char *error = NULL;
    memset(&out->response, 0, sizeof(out->response));
    out->status = STS_STATUS_OK;
    out->http_status = result.http_status;
    out->message[0] = '\0';
    switch (result.outcome) {
    case STS_UPSTREAM_DEADLINE:
        out->status = STS_STATUS_DEADLINE_EXCEEDED;
        snprintf(out->message, sizeof(out->message), "the caller's deadline ran out waiting for the STS at %s", url);
        break;
    case STS_UPSTREAM_TIMED_OUT:
        out->status = STS_STATUS_UNAVAILABLE;
        snprintf(out->message, sizeof(out->message), "the STS at %s did not answer in time: %s", url, result.cause);
        break;
    case STS_UPSTREAM_UNREACHABLE:
        out->status = STS_STATUS_UNAVAILABLE;
        snprintf(out->message, sizeof(out->message), "cannot reach the STS at %s: %s", url, result.cause);
        break;
    case STS_UPSTREAM_TOO_LARGE:
        out->status = STS_STATUS_UNAVAILABLE;
        snprintf(out->message, sizeof(out->message), "the STS at %s sent a response larger than %d bytes", url,
                 STS_RESPONSE_MAX_BYTES);
        break;
    case STS_UPSTREAM_ANSWERED:
        if (sts_response_parse(body.data, body.len, &out->response, arena, &error) != 0 && result.http_status == 200) {
            out->status = STS_STATUS_UNAVAILABLE;
            snprintf(out->message, sizeof(out->message), "the STS at %s sent a response that is not STS XML: %s", url,
                     error);
        }
        break;
    }
    sts_buf_dispose(&body);
}

void sts_upstream_client_dispose(sts_upstream_client_t *client)
{
    sts_upstream_keys_dispose(&client->keys);
    free(client->url);
    free(client->host_header);
    free(client->path);
    free(client->region);
    free(client->ca_file);
}
