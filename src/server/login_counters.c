#include "server/login_counters.h"
#include <openssl/hmac.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/* How long a shared counter without a new failure is kept: the throttle's delays end long before (15 minutes). */
#define KEEP_MS (24LL * 3600 * 1000)

/* "u:" or "a:" and the key, as an HMAC under the refresh key, in hex: what the store keeps instead of the name. */
static void shared_key(const sts_login_setup_t *setup, int address, const char *key, char out[65])
{
    size_t len = strlen(key);
    char *labelled = malloc(len + 12);
    if (labelled == NULL)
        sts_log_fatal("out of memory");
    memcpy(labelled, address ? "throttle:a:" : "throttle:u:", 11);
    memcpy(labelled + 11, key, len);
    uint8_t mac[32];
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), setup->settings.refresh_key, sizeof(setup->settings.refresh_key),
         (const unsigned char *)labelled, len + 11, mac, &mac_len);
    free(labelled);
    sts_hex_encode(mac, sizeof(mac), out);
}

/* One warning a minute at most: a database outage must not flood the log with one line per login. */
static int failed(const char *error)
{
    static _Atomic int64_t warned_ms;
    int64_t now = sts_time_monotonic_ns() / 1000000, last = atomic_load(&warned_ms);
    if ((last == 0 || now - last >= 60000) && atomic_compare_exchange_strong(&warned_ms, &last, now))
        sts_log_warn("logins: the shared failure counters cannot answer (%s); this replica counts alone meanwhile",
                     error);
    return -1;
}

static int add_failure(void *data, int address, const char *key, int64_t now_ms, int *failures)
{
    sts_login_setup_t *setup = data;
    char id[65], error[256];
    shared_key(setup, address, key, id);
    return setup->store->login_failure_add(setup->store, id, now_ms, failures, error, sizeof(error)) == STS_STORE_OK
               ? 0
               : failed(error);
}

static int failures(void *data, int address, const char *key, int *count, int64_t *last_failure_ms)
{
    sts_login_setup_t *setup = data;
    char id[65], error[256];
    shared_key(setup, address, key, id);
    sts_store_result_t result =
        setup->store->login_failure_get(setup->store, id, count, last_failure_ms, error, sizeof(error));
    return result == STS_STORE_OK || result == STS_STORE_NOT_FOUND ? 0 : failed(error);
}

static int forget(void *data, int address, const char *key)
{
    sts_login_setup_t *setup = data;
    char id[65], error[256];
    shared_key(setup, address, key, id);
    return setup->store->login_failure_clear(setup->store, id, error, sizeof(error)) == STS_STORE_OK ? 0
                                                                                                     : failed(error);
}

void sts_login_counters_share(sts_login_setup_t *setup)
{
    if (setup->store->login_failure_add == NULL)
        return;
    sts_login_throttle_shared_t shared = {add_failure, failures, forget, setup};
    sts_login_throttle_share(setup->settings.throttle, &shared);
}

void sts_login_counters_prune(sts_login_setup_t *setup, int64_t now_ms)
{
    char error[256];
    if (setup->store->login_failure_prune != NULL &&
        setup->store->login_failure_prune(setup->store, now_ms - KEEP_MS, error, sizeof(error)) != STS_STORE_OK)
        sts_log_warn("logins: cannot forget old failed-login counters: %s", error);
}
