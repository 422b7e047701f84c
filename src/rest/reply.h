/* Writing REST responses: the one error shape (DESIGN §1.5) and JSON bodies. */
#ifndef STS_REST_REPLY_H
#define STS_REST_REPLY_H

#include <h2o.h>

#include "core/status.h"

/** Sends body (copied) with the given HTTP status and Content-Type: application/json. */
void sts_rest_send_json(h2o_req_t *req, int http_status, const char *body, size_t len);

/**
 * Sends {"code":<http_status>,"status":"<status name>","message":"<message>"}. For UNAUTHENTICATED it adds
 * WWW-Authenticate: Bearer with the message as error_description. The message must not contain secrets.
 */
void sts_rest_send_error(h2o_req_t *req, int http_status, sts_status_t status, const char *message);

/** The same error document as sts_rest_send_error, rendered into pool (no WWW-Authenticate). */
h2o_iovec_t sts_rest_render_error(h2o_mem_pool_t *pool, int http_status, sts_status_t status, const char *message);

/** The reason phrase the service sends with http_status (a static string). */
const char *sts_rest_reason_phrase(int http_status);

/**
 * Sends an error in RFC 6749 5.2's shape, {"error","error_description"}: error is reason (the handler's OAuth code)
 * or one derived from status. HTTP 400, or 401 with WWW-Authenticate: Basic for invalid_client; statuses the RFC
 * does not cover (404, 429, 5xx) keep their own. The message must not contain secrets.
 */
void sts_rest_send_oauth2_error(h2o_req_t *req, sts_status_t status, const char *reason, const char *message);

#endif
