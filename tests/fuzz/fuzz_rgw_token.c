/*
 * RGW session tokens: the AES-CBC wrapper under a fixed key (base64, padding) and the decrypted version-5 layout
 * of RGW's binary encoding (lengths, versions, strings).
 */
#include <stdint.h>
#include <string.h>
#include "issuer/rgw_token.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_rgw_token_fields_t fields;
    (void)sts_rgw_token_decode(data, size, &fields, &arena);
    uint8_t key[STS_RGW_KEY_BYTES];
    memcpy(key, "abcdefghijklmnop", sizeof(key)); /* the test-only key of tests/rgw/rgw.sh and its fixture */
    sts_buf_t plain;
    sts_buf_init(&plain, 1 << 16);
    if (sts_rgw_token_open(key, sts_arena_strndup(&arena, (const char *)data, size), &plain) == 0)
        (void)sts_rgw_token_decode((const uint8_t *)plain.data, plain.len, &fields, &arena);
    sts_buf_dispose(&plain);
    sts_arena_dispose(&arena);
    return 0;
}
