/* The client-certificate authenticator: a TLS client certificate the adapter verified becomes the principal. */
#ifndef STS_AUTH_CLIENT_CERTIFICATE_AUTHENTICATOR_H
#define STS_AUTH_CLIENT_CERTIFICATE_AUTHENTICATOR_H
#include <stddef.h>
#include "core/call.h"

typedef struct sts_client_certificate_authenticator_s sts_client_certificate_authenticator_t;

/**
 * Creates the authenticator from the role grants: NULL or comma-separated "cn:NAME=role|role" entries, where NAME
 * is a certificate's common name, matched exactly, and the roles are what follows the last '='. Returns NULL with
 * a message in error naming the entry when the text is malformed.
 */
sts_client_certificate_authenticator_t *sts_client_certificate_authenticator_create(const char *grants, char *error,
                                                                                    size_t error_size);

/**
 * Authenticates a call from call->client_certificate_subject (an RFC 2253 DN that the adapter verified; the caller
 * checks it is set): the principal is authenticated as the identity (X509, the DN, the first CN — the DN itself when
 * there is no CN), and its roles are those the grants give that CN (possibly none). Always OK. Thread-safe; never
 * blocks.
 */
sts_status_t sts_client_certificate_authenticate(sts_client_certificate_authenticator_t *auth, sts_call_t *call);

/**
 * The value of the first CN attribute of an RFC 2253 DN ("CN=svc\,a,O=x" → "svc,a"), unescaped, in arena; NULL
 * when the DN has none. Hex escapes of control characters and NUL stay as they are ("\0A"). Exposed for tests.
 */
const char *sts_client_certificate_common_name(sts_arena_t *arena, const char *subject);

/** Frees the authenticator. NULL is ignored. */
void sts_client_certificate_authenticator_destroy(sts_client_certificate_authenticator_t *auth);

#endif
