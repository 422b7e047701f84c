/*
 * The service's own opaque tokens as callers present them: access tokens (sts-at-v1), refresh tokens (sts-rt-v1),
 * and the local issuer's sealed session tokens, both the sealed form (base64, header, key id) under a fixed key and,
 * since a fuzzer cannot forge the AEAD tag, the opened plaintext's layout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/login.h"
#include "crypto/access_token.h"
#include "issuer/session_token.h"
#include "util/arena.h"

static sts_session_sealer_t sealer;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    uint8_t key[STS_AEAD_KEY_BYTES];
    memset(key, 7, sizeof(key));
    sealer.aead = sts_aead_create(key);
    memset(sealer.key_id, 1, sizeof(sealer.key_id));
    return sealer.aead == NULL ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1];
    (void)sts_access_token_recognised(text, size);
    (void)sts_access_token_parse(text, size, id);
    (void)sts_opaque_token_parse(STS_REFRESH_TOKEN_PREFIX, text, size, id);
    sts_arena_t arena;
    sts_arena_init(&arena);
    char *token = sts_arena_strndup(&arena, text, size);
    sts_session_record_t record;
    (void)sts_session_token_open(&sealer, 1, token, &record, &arena);
    (void)sts_session_token_decode(data, size, &record, &arena);
    sts_arena_dispose(&arena);
    return 0;
}
