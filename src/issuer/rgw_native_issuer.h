/*
 * The "rgw-native" issuer: mints Ceph RGW session credentials locally, in RGW's own session-token format
 * (issuer/rgw_token.h, docs/rgw-session-token.md), with RGW's `rgw sts key`. Two consequences shape it: the key is
 * root-equivalent for RGW (whoever holds it can mint credentials for any RGW user, so its file must be private), and
 * the format has no MAC, so a session policy carried in it is not a security boundary (a holder can corrupt it, and
 * RGW then applies the role's whole policy).
 */
#ifndef STS_ISSUER_RGW_NATIVE_ISSUER_H
#define STS_ISSUER_RGW_NATIVE_ISSUER_H
#include <stddef.h>
#include <stdint.h>
#include "core/issuer.h"
#include "aws/client.h"

/** Settings; strings are copied by create. */
typedef struct {
    const char *key_file; /**< a secret file holding `rgw sts key`; its first 16 bytes are the AES key */
    const char *user;     /**< the RGW user sessions act for: "uid" or "tenant$uid" */
    const char *role_arn; /**< looked up with GetRole through connection; required with it */
    const char *role_id;  /**< NULL: resolved through GetRole */
    int32_t max_duration_seconds;
    /** RGW's IAM endpoint and keys for GetRole; NULL only with role_id (then nothing is checked). */
    const sts_aws_connection_t *connection;
} sts_rgw_native_settings_t;

/**
 * Creates the issuer, reading the key file with the secret-file reader (refused when others may read it, unless
 * secret_files_allow_shared is set). Issuing is inline and does no I/O: check, called periodically from the readiness
 * thread, re-reads a changed key file (rotation) and repeats GetRole for the role id. Returns NULL with a message
 * (never the key) in error. Thread-safe once created.
 */
sts_issuer_t *sts_rgw_native_issuer_create(const sts_rgw_native_settings_t *settings, char *error, size_t error_size);

#endif
