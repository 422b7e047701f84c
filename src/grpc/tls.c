#include "grpc/tls.h"

#include <grpc/grpc_security_constants.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/log.h"

struct sts__grpc_tls_s {
    sts_tls_source_t *source;
    pthread_mutex_t lock;
    int fetched;                 /* a set was handed to gRPC */
    uint64_t fetched_generation; /* the generation of that set */
};

/* gRPC calls this when it builds the server's security connector and then before every handshake. */
static grpc_ssl_certificate_config_reload_status fetch(void *data, grpc_ssl_server_certificate_config **config)
{
    sts__grpc_tls_t *state = data;
    grpc_ssl_certificate_config_reload_status status = GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
    pthread_mutex_lock(&state->lock);
    if (!state->fetched || sts_tls_source_generation(state->source) != state->fetched_generation) {
        uint64_t generation = 0;
        sts_tls_credentials_t *credentials = sts_tls_source_current(state->source, &generation);
        grpc_ssl_pem_key_cert_pair pair = {
            .private_key = sts_tls_credentials_key_pem(credentials),
            .cert_chain = sts_tls_credentials_certificate_pem(credentials),
        };
        /*
         * gRPC 1.51 aborts on a fetched config without root certificates, even when it asks for no client
         * certificate; then it never uses them, so the server's own chain stands in. gRPC copies the strings.
         */
        const char *client_ca = sts_tls_credentials_client_ca_pem(credentials);
        *config = grpc_ssl_server_certificate_config_create(client_ca != NULL ? client_ca : pair.cert_chain, &pair, 1);
        sts_tls_credentials_unref(credentials);
        state->fetched = 1;
        state->fetched_generation = generation;
        status = *config != NULL ? GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW : GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
    }
    pthread_mutex_unlock(&state->lock);
    return status;
}

grpc_server_credentials *sts__grpc_tls_credentials(sts_tls_source_t *source, sts__grpc_tls_t **out)
{
    sts__grpc_tls_t *state = calloc(1, sizeof(*state));
    if (state == NULL)
        sts_log_fatal("out of memory");
    state->source = source;
    pthread_mutex_init(&state->lock, NULL);
    grpc_ssl_client_certificate_request_type request = sts_tls_source_has_client_ca(source)
                                                           ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                           : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    grpc_ssl_server_credentials_options *options =
        grpc_ssl_server_credentials_create_options_using_config_fetcher(request, fetch, state);
    *out = state;
    return grpc_ssl_server_credentials_create_with_options(options);
}

void sts__grpc_tls_free(sts__grpc_tls_t *state)
{
    if (state == NULL)
        return;
    pthread_mutex_destroy(&state->lock);
    free(state);
}

const char *sts__grpc_tls_peer_subject(grpc_call *call, sts_arena_t *arena)
{
    grpc_auth_context *context = grpc_call_auth_context(call);
    if (context == NULL)
        return NULL;
    const char *subject = NULL;
    if (grpc_auth_context_peer_is_authenticated(context)) {
        grpc_auth_property_iterator properties =
            grpc_auth_context_find_properties_by_name(context, GRPC_X509_SUBJECT_PROPERTY_NAME);
        const grpc_auth_property *property = grpc_auth_property_iterator_next(&properties);
        if (property != NULL && property->value != NULL && property->value_length > 0)
            subject = sts_arena_strndup(arena, property->value, property->value_length);
    }
    grpc_auth_context_release(context);
    return subject;
}
