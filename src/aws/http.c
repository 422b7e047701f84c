#include "aws/http.h"
#include "dynload/curl.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "aws/sigv4.h"
#include "crypto/random.h"
#include "util/log.h"
#include "util/timefmt.h"

static pthread_key_t handle_key;
static atomic_int aborting;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void free_handle(void *handle)
{
    sts_curl.easy_cleanup(handle);
}

static void make_key(void)
{
    pthread_key_create(&handle_key, free_handle);
}

void sts_aws_http_global_cleanup(void)
{
    if (!sts_dynload_loaded(&sts_curl_library))
        return;
    /* The calling thread's handle; workers' handles go with their threads. */
    pthread_once(&handle_once, make_key);
    CURL *handle = pthread_getspecific(handle_key);
    if (handle != NULL) {
        sts_curl.easy_cleanup(handle);
        pthread_setspecific(handle_key, NULL);
    }
    sts_curl.global_cleanup();
}

static CURL *thread_handle(void)
{
    pthread_once(&handle_once, make_key);
    CURL *handle = pthread_getspecific(handle_key);
    if (handle == NULL) {
        handle = sts_curl.easy_init();
        if (handle == NULL)
            sts_log_fatal("libcurl cannot create a handle");
        pthread_setspecific(handle_key, handle);
    }
    sts_curl.easy_reset(handle);
    return handle;
}

void sts_aws_http_abort_all(void)
{
    atomic_store(&aborting, 1);
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)user, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load(&aborting); /* non-zero makes curl stop with CURLE_ABORTED_BY_CALLBACK */
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    /* Returning less than given makes curl fail with CURLE_WRITE_ERROR: the body is over the limit. */
    return sts_buf_append(user, data, size * count) == 0 ? size * count : 0;
}

static struct curl_slist *signed_headers(const sts_aws_endpoint_t *endpoint, const char *service,
                                         const char *access_key, const char *secret_key, const char *form,
                                         const char *request_id)
{
    char amz_date[17];
    sts_aws_sigv4_amz_date((long long)time(NULL), amz_date);
    static const char content_type[] = "application/x-www-form-urlencoded; charset=utf-8";
    sts_aws_sigv4_header_t headers[] = {
        {"content-type", content_type}, {"host", endpoint->host_header}, {"x-amz-date", amz_date}};
    sts_aws_sigv4_request_t request = {"POST", endpoint->path, "",       headers,          3,
                                       form,   strlen(form),   amz_date, endpoint->region, service};
    char authorization[512], line[768];
    if (sts_aws_sigv4_authorization(&request, access_key, secret_key, authorization, sizeof(authorization), NULL) != 0)
        return NULL;
    struct curl_slist *list = NULL;
    snprintf(line, sizeof(line), "Content-Type: %s", content_type);
    list = sts_curl.slist_append(list, line);
    snprintf(line, sizeof(line), "Host: %s", endpoint->host_header);
    list = sts_curl.slist_append(list, line);
    snprintf(line, sizeof(line), "X-Amz-Date: %s", amz_date);
    list = sts_curl.slist_append(list, line);
    snprintf(line, sizeof(line), "Authorization: %s", authorization);
    list = sts_curl.slist_append(list, line);
    if (request_id != NULL) {
        snprintf(line, sizeof(line), "X-Request-Id: %s", request_id);
        list = sts_curl.slist_append(list, line);
    }
    /* Policies can push the form past curl's 1 KiB threshold; waiting for 100-continue only adds a round trip. */
    return sts_curl.slist_append(list, "Expect:");
}

/* Milliseconds this attempt may take: the endpoint's timeout, cut by the caller's deadline. */
static long attempt_budget(const sts_aws_endpoint_t *endpoint, int64_t deadline_ns, int *deadline_binds)
{
    *deadline_binds = 0;
    if (deadline_ns == 0)
        return endpoint->timeout_ms;
    long left = (long)((deadline_ns - sts_time_monotonic_ns()) / 1000000);
    if (left < endpoint->timeout_ms) {
        *deadline_binds = 1;
        return left;
    }
    return endpoint->timeout_ms;
}

static CURLcode attempt(const sts_aws_endpoint_t *endpoint, struct curl_slist *headers, const char *form,
                        long budget_ms, sts_buf_t *response, long *http_status, char *cause, size_t cause_size)
{
    CURL *handle = thread_handle();
    char error[CURL_ERROR_SIZE] = "";
    sts_curl.easy_setopt(handle, CURLOPT_URL, endpoint->url);
    sts_curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    sts_curl.easy_setopt(handle, CURLOPT_POSTFIELDS, form);
    sts_curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    sts_curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    sts_curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, endpoint->connect_timeout_ms);
    sts_curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, budget_ms);
    sts_curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    sts_curl.easy_setopt(handle, CURLOPT_WRITEDATA, response);
    sts_curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    sts_curl.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    sts_curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
    sts_curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    sts_curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, endpoint->insecure ? 0L : 1L);
    sts_curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, endpoint->insecure ? 0L : 2L);
    if (endpoint->ca_file != NULL)
        sts_curl.easy_setopt(handle, CURLOPT_CAINFO, endpoint->ca_file);
    sts_buf_reset(response);
    CURLcode rc = sts_curl.easy_perform(handle);
    sts_curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, http_status);
    snprintf(cause, cause_size, "%s", error[0] != '\0' ? error : sts_curl.easy_strerror(rc));
    /* The handle keeps the connection for the next call, but must not keep pointers to this call's buffers. */
    sts_curl.easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
    sts_curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, NULL);
    return rc;
}

static void pause_before_retry(void)
{
    uint8_t jitter;
    sts_random_bytes(&jitter, 1);
    struct timespec pause = {0, (100 + (long)jitter * 200 / 255) * 1000000L};
    nanosleep(&pause, NULL);
}

void sts_aws_http_post(const sts_aws_endpoint_t *endpoint, const char *service, const char *access_key,
                       const char *secret_key, const char *form, const char *request_id, int64_t deadline_ns,
                       sts_buf_t *response, sts_aws_http_result_t *result)
{
    memset(result, 0, sizeof(*result));
    for (int try = 0; try < 2; try++) {
        if (atomic_load(&aborting)) {
            result->outcome = STS_AWS_UNREACHABLE;
            snprintf(result->cause, sizeof(result->cause), "stsd is shutting down");
            return;
        }
        int deadline_binds = 0;
        long budget = attempt_budget(endpoint, deadline_ns, &deadline_binds);
        if (budget <= 0) {
            result->outcome = STS_AWS_DEADLINE;
            snprintf(result->cause, sizeof(result->cause), "the caller's deadline ran out");
            return;
        }
        /* Signed per attempt: the signature covers the time. */
        struct curl_slist *headers = signed_headers(endpoint, service, access_key, secret_key, form, request_id);
        CURLcode rc = attempt(endpoint, headers, form, budget, response, &result->http_status, result->cause,
                              sizeof(result->cause));
        sts_curl.slist_free_all(headers);
        switch (rc) {
        case CURLE_OK:
            result->outcome = STS_AWS_ANSWERED;
            return;
        case CURLE_OPERATION_TIMEDOUT:
            result->outcome = deadline_binds ? STS_AWS_DEADLINE : STS_AWS_TIMED_OUT;
            return;
        case CURLE_ABORTED_BY_CALLBACK:
            result->outcome = STS_AWS_UNREACHABLE;
            snprintf(result->cause, sizeof(result->cause), "stsd is shutting down");
            return;
        case CURLE_WRITE_ERROR:
            result->outcome = STS_AWS_TOO_LARGE;
            return;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
            result->outcome = STS_AWS_UNREACHABLE;
            if (try == 0)
                pause_before_retry();
            break;
        default:
            result->outcome = STS_AWS_UNREACHABLE;
            return;
        }
    }
}
