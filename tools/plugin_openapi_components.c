/* The OpenAPI document's shared components: the two REST error shapes (src/rest/reply.c), their responses, the
 * security schemes, and the message schemas. */
#include "core/status.h"
#include "plugin_openapi.h"

static void string_enum(oa_writer_t *w, const char *key, const char *const *values, size_t count)
{
    oa_open(w, key, '{');
    oa_string(w, "type", "string");
    oa_open(w, "enum", '[');
    for (size_t i = 0; i < count; i++)
        oa_string(w, NULL, values[i]);
    oa_close(w, ']');
    oa_close(w, '}');
}

/* The two error shapes of src/rest/reply.c. */
static void emit_error_schemas(oa_writer_t *w)
{
    static const char *const statuses[] = {
#define STATUS_NAME(name, code, http, message) #name,
        STS_STATUS_MAP(STATUS_NAME)
#undef STATUS_NAME
    };
    oa_open(w, "Error", '{');
    oa_string(w, "type", "object");
    oa_string(w, "description", "The service's one error shape.");
    oa_open(w, "properties", '{');
    oa_open(w, "code", '{');
    oa_string(w, "type", "integer");
    oa_integer(w, "minimum", 400);
    oa_integer(w, "maximum", 599);
    oa_string(w, "description", "The HTTP status, repeated.");
    oa_close(w, '}');
    /* statuses[0] is OK, never an error. */
    string_enum(w, "status", statuses + 1, sizeof(statuses) / sizeof(statuses[0]) - 1);
    oa_open(w, "message", '{');
    oa_string(w, "type", "string");
    oa_string(w, "description", "What went wrong and what to do; never a secret.");
    oa_close(w, '}');
    oa_close(w, '}');
    oa_open(w, "required", '[');
    oa_string(w, NULL, "code");
    oa_string(w, NULL, "status");
    oa_string(w, NULL, "message");
    oa_close(w, ']');
    oa_bool(w, "additionalProperties", 0);
    oa_close(w, '}');

    /* RFC 6749 5.2's codes, RFC 7009 2.2.1's, and 4.1.2.1's two for the server's own trouble. */
    static const char *const oauth2[] = {"invalid_request",        "invalid_client",          "invalid_grant",
                                         "unauthorized_client",    "unsupported_grant_type",  "invalid_scope",
                                         "unsupported_token_type", "temporarily_unavailable", "server_error"};
    oa_open(w, "OAuth2Error", '{');
    oa_string(w, "type", "object");
    oa_string(w, "description", "RFC 6749 section 5.2's error shape.");
    oa_open(w, "properties", '{');
    string_enum(w, "error", oauth2, sizeof(oauth2) / sizeof(oauth2[0]));
    oa_open(w, "error_description", '{');
    oa_string(w, "type", "string");
    oa_close(w, '}');
    oa_close(w, '}');
    oa_open(w, "required", '[');
    oa_string(w, NULL, "error");
    oa_string(w, NULL, "error_description");
    oa_close(w, ']');
    oa_bool(w, "additionalProperties", 0);
    oa_close(w, '}');
}

static void error_response(oa_writer_t *w, const char *name, const char *description)
{
    oa_open(w, name, '{');
    oa_string(w, "description", description);
    oa_open(w, "content", '{');
    oa_open(w, "application/json", '{');
    oa_ref(w, "schema", "schemas", name);
    oa_close(w, '}');
    oa_close(w, '}');
    oa_close(w, '}');
}

static void security_scheme(oa_writer_t *w, const char *name, const char *scheme, const char *description)
{
    oa_open(w, name, '{');
    oa_string(w, "type", "http");
    oa_string(w, "scheme", scheme);
    oa_string(w, "description", description);
    oa_close(w, '}');
}

void oa_emit_components(oa_context_t *c, oa_writer_t *w)
{
    oa_open(w, "components", '{');
    oa_open(w, "schemas", '{');
    emit_error_schemas(w);
    oa_emit_type_schemas(c, w);
    oa_close(w, '}');
    oa_open(w, "responses", '{');
    error_response(w, "Error",
                   "An error in the service's one shape; the status maps to the HTTP status (401 adds "
                   "WWW-Authenticate: Bearer).");
    error_response(w, "OAuth2Error",
                   "An error in RFC 6749's shape: 400, or 401 with WWW-Authenticate: Basic for a failed client "
                   "authentication; statuses beyond the RFC's (404, 429, 5xx) keep theirs.");
    oa_close(w, '}');
    oa_open(w, "securitySchemes", '{');
    security_scheme(w, "bearerAuth", "bearer",
                    "An access token of this service (POST /v1/auth/access-tokens/) or a JWT, as the configured "
                    "authenticators (STS_AUTH) accept. Client certificates authenticate gRPC callers only.");
    security_scheme(w, "clientBasic", "basic",
                    "OAuth 2.0 client authentication (client_secret_basic): client_id and client_secret.");
    oa_close(w, '}');
    oa_close(w, '}');
}
