/* REST calls for stsctl; errors name the server so a user with several deployments sees which one failed. */
#include "ctl/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "ctl/json.h"
#include "util/text.h"

typedef struct {
    sts_buf_t *response;
    int too_large;
} sink_t;

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    sink_t *sink = user;
    if (sts_buf_append(sink->response, data, size * count) != 0) {
        sink->too_large = 1;
        return 0;
    }
    return size * count;
}

/* The service's error message: {"code","status","message"}, the one REST error shape. */
static void describe_error(const sts_buf_t *response, char *out, size_t out_size)
{
    out[0] = '\0';
    yajl_val root = sts_ctl_json_parse(response->data, response->len);
    if (root == NULL)
        return;
    const char *status = sts_ctl_json_string(root, "status", NULL);
    const char *message = sts_ctl_json_string(root, "message", NULL);
    char clean_status[64 + STS_TEXT_CLEAN_EXTRA] = "", clean_message[512 + STS_TEXT_CLEAN_EXTRA] = "";
    if (status != NULL)
        sts_text_clean(status, strlen(status), 64, clean_status, sizeof(clean_status));
    if (message != NULL)
        sts_text_clean(message, strlen(message), 512, clean_message, sizeof(clean_message));
    if (clean_status[0] && clean_message[0])
        snprintf(out, out_size, " %s: %s", clean_status, clean_message);
    else if (clean_status[0] || clean_message[0])
        snprintf(out, out_size, ": %s", clean_status[0] ? clean_status : clean_message);
    yajl_tree_free(root);
}

static const char *token_hint(const sts_ctl_t *ctl, long status)
{
    if (status != 401)
        return "";
    if (ctl->token == NULL)
        return " (no token was given: use --token, STS_TOKEN, the config file or stsctl login)";
    return "";
}

int sts_ctl_http_call(const sts_ctl_t *ctl, const char *method, const char *path, const char *body, const char *bearer,
                      sts_buf_t *response)
{
    char url[STS_CTL_VALUE_MAX * 2 + 2];
    char shown[sizeof(url)];
    snprintf(url, sizeof(url), "%s%s", ctl->url, path);
    sts_url_redact(ctl->url, shown, sizeof(shown));

    CURL *handle = curl_easy_init();
    if (handle == NULL) {
        sts_ctl_error("%s %s%s: libcurl could not start", method, shown, path);
        return STS_CTL_EXIT_FAILED;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (body != NULL)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    if (bearer != NULL) {
        sts_buf_t header;
        sts_buf_init(&header, STS_CTL_VALUE_MAX + 64);
        sts_buf_append_str(&header, "Authorization: Bearer ");
        sts_buf_append_str(&header, bearer);
        sts_buf_append(&header, "", 1);
        headers = curl_slist_append(headers, header.data);
        sts_buf_dispose(&header);
    }
    char error[CURL_ERROR_SIZE] = "";
    sink_t sink = {response, 0};
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    if (body != NULL) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "stsctl/" STS_VERSION);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, ctl->timeout_seconds < 10 ? ctl->timeout_seconds : 10L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, ctl->timeout_seconds);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    if (ctl->cacert != NULL)
        curl_easy_setopt(handle, CURLOPT_CAINFO, ctl->cacert);

    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(handle);

    if (sink.too_large) {
        sts_ctl_error("%s %s%s: the response is larger than %d bytes", method, shown, path, STS_CTL_RESPONSE_MAX);
        return STS_CTL_EXIT_FAILED;
    }
    if (code != CURLE_OK) {
        sts_ctl_error("%s %s: cannot reach the server at %s: %s", method, path, shown,
                      error[0] ? error : curl_easy_strerror(code));
        return STS_CTL_EXIT_FAILED;
    }
    if (status >= 200 && status < 300)
        return STS_CTL_EXIT_OK;
    char detail[700];
    describe_error(response, detail, sizeof(detail));
    sts_ctl_error("%s %s: the server at %s answered HTTP %ld%s%s", method, path, shown, status, detail,
                  token_hint(ctl, status));
    return STS_CTL_EXIT_FAILED;
}
