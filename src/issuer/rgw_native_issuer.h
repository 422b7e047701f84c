/*
 * The "rgw-native" issuer: mints Ceph RGW session credentials locally, in RGW's own session-token format, with
 * RGW's `rgw sts key`. See ../shared/notes/rgw-session-token.md, above all its security section: the key is
 * root-equivalent for RGW, and a session policy in this format is not a security boundary.
 */
#ifndef STS_ISSUER_RGW_NATIVE_ISSUER_H
#define STS_ISSUER_RGW_NATIVE_ISSUER_H
#include <stddef.h>
#include <stdint.h>
#include "core/issuer.h"
#include "issuer/upstream_client.h"

/** Settings; strings are copied by create. */
typedef struct {
    const char *key_file;      /**< holds `rgw sts key`; its first 16 bytes are the AES key */
    int allow_shared_key_file; /**< accept a key file others may read (the explicit override) */
    const char *user;          /**< the RGW user sessions act for: "uid" or "tenant$uid" */
    const char *role_arn;      /**< looked up with GetRole through connection; required with it */
    const char *role_id;       /**< NULL: resolved through GetRole */
    int32_t max_duration_seconds;
    /** RGW's IAM endpoint and keys for GetRole; NULL only with role_id (then nothing is checked). */
    const sts_upstream_connection_t *connection;
} sts_rgw_native_settings_t;

/**
 * Creates the issuer, reading the key file (refused, unless allow_shared_key_file, when it is not private to the
 * process's user). Issuing is inline and does no I/O: check, called periodically from the readiness thread,
 * re-reads a changed key file (rotation) and repeats GetRole for the role id. Returns NULL with a message (never
 * the key) in error. Thread-safe once created.
 */
sts_issuer_t *sts_rgw_native_issuer_create(const sts_rgw_native_settings_t *settings, char *error, size_t error_size);

#endif
