/*
 * Protobuf ingress of every method: the bytes a gRPC client sends are unpacked into the method's request type and
 * dispatched to the real handler, as an admin, against a real SQLite store (on tmpfs when there is one), real key
 * rings and the local issuer. Nothing is stubbed; the first byte picks the method. A successful answer is packed as
 * the adapter would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/dispatch.h"
#include "core/key_ring.h"
#include "core/login.h"
#include "core/service.h"
#include "crypto/random.h"
#include "issuer/local_issuer.h"
#include "store/sqlite_store.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

static sts_service_t service;
static sts_login_settings_t login;
static char store_dir[64];
static const char *const realms[] = {"shasta"};
static const char *const admin_roles[] = {"admin"};

static sts_secret_ring_t *secret_ring(sts_store_t *store, const char *purpose, const uint8_t *kek)
{
    sts_secret_ring_settings_t settings = {.purpose = purpose, .verify_for_us = 86400000000LL};
    memcpy(settings.kek, kek, sizeof(settings.kek));
    char error[256];
    sts_secret_ring_t *ring = sts_secret_ring_create(&settings, store, sts_time_now(), error, sizeof(error));
    if (ring == NULL) {
        fprintf(stderr, "fuzz_grpc_ingress: %s\n", error);
        abort();
    }
    return ring;
}

/* The store's files go when the run ends; the process exits with the store open, which SQLite survives. */
static void remove_store(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[128];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s/sts.db%s", store_dir, suffixes[i]);
        unlink(path);
    }
    rmdir(store_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sts_log_set_level(STS_LOG_ERROR); /* a line per call would cost more than the call */
    snprintf(store_dir, sizeof(store_dir), "/dev/shm/sts-fuzz-XXXXXX");
    if (mkdtemp(store_dir) == NULL) {
        snprintf(store_dir, sizeof(store_dir), "/tmp/sts-fuzz-XXXXXX");
        if (mkdtemp(store_dir) == NULL)
            abort();
    }
    atexit(remove_store);
    char path[256], error[256];
    snprintf(path, sizeof(path), "%s/sts.db", store_dir);
    sts_store_t *store = sts_sqlite_store_open(path, error, sizeof(error));
    if (store == NULL)
        abort();
    sts_key_ring_settings_t ring = {.algorithm = STS_SIGNING_ES256, .verify_for_us = 86400000000LL};
    sts_random_bytes(ring.kek, sizeof(ring.kek));
    sts_random_bytes(login.refresh_key, sizeof(login.refresh_key));
    login.keys = sts_key_ring_create(&ring, store, sts_time_now(), error, sizeof(error));
    login.users_not_before = sts_revocations_create();
    login.clients_valid_since = sts_revocations_create();
    login.denied_tokens = sts_revocations_create();
    sts_login_throttle_settings_t throttle = {1000, 1000, 900000, 1000000, 65536};
    login.throttle = sts_login_throttle_create(&throttle);
    if (login.keys == NULL || login.throttle == NULL)
        abort();
    login.password = (sts_password_params_t){64, 1, 1}; /* libargon2's least: the handlers, not the hash, are fuzzed */
    login.issuer_url = "https://sts.fuzz";
    login.audience = "sts";
    login.notice = "";
    login.access_token_lifetime_s = 3600;
    login.refresh_token_lifetime_s = 86400;
    login.refresh_family_lifetime_s = 7 * 86400;
    login.client_max_lifetime_s = 30 * 86400;
    login.lock_after = 1000000;
    login.realms = realms;
    login.realm_count = 1;
    sts_service_defaults(&service, &sts_gen_method_table);
    service.store = store;
    service.login = &login;
    service.token_keys = secret_ring(store, STS_KEY_PURPOSE_TOKEN_HMAC, ring.kek);
    service.issuer = sts_local_issuer_create(secret_ring(store, STS_KEY_PURPOSE_SESSION_SEAL, ring.kek));
    service.admin_roles = (sts_role_list_t){admin_roles, 1};
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const sts_method_t *method = &sts_gen_method_table.methods[data[0] % sts_gen_method_table.method_count];
    sts_call_t call;
    sts_call_init(&call, &service, method);
    static const char *const roles[] = {"admin"};
    call.principal = (sts_principal_t){.authenticated = 1,
                                       .domain = STS__V1__IDENTITY_DOMAIN__LOCAL,
                                       .auth_id = "root",
                                       .name = "root",
                                       .roles = roles,
                                       .role_count = 1};
    call.peer = "127.0.0.1";
    ProtobufCMessage *request = sts_call_unpack(&call, method->request, data + 1, size - 1);
    ProtobufCMessage *response = NULL;
    if (request != NULL && sts_dispatch(&call, request, &response) == STS_STATUS_OK && response != NULL) {
        size_t packed_size = protobuf_c_message_get_packed_size(response);
        uint8_t *packed = malloc(packed_size + 1);
        if (packed == NULL || protobuf_c_message_pack(response, packed) != packed_size)
            abort();
        free(packed);
    }
    sts_call_dispose(&call);
    return 0;
}
