/*
 * JSON -> protobuf transcoding of every request message in the method table (the REST body of each RPC). The first
 * byte picks the method. A document that decodes must encode, and its encoding must decode again: the transcoder
 * never produces JSON it refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include "rest/json.h"
#include "sts_methods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const sts_method_table_t *table = &sts_gen_method_table;
    const ProtobufCMessageDescriptor *type = table->methods[data[0] % table->method_count].request;
    sts_arena_t arena;
    sts_arena_init(&arena);
    ProtobufCMessage *msg = sts_arena_calloc(&arena, type->sizeof_message);
    type->message_init(msg);
    const char *error = NULL;
    if (sts_json_decode(table, (const char *)data + 1, size - 1, msg, &arena, &error) == 0) {
        sts_buf_t json;
        sts_buf_init(&json, 1 << 20);
        if (sts_json_encode(table, msg, &json, &arena, &error) == 0) {
            ProtobufCMessage *again = sts_arena_calloc(&arena, type->sizeof_message);
            type->message_init(again);
            if (sts_json_decode(table, json.data, json.len, again, &arena, &error) != 0)
                abort(); /* the encoder wrote what the decoder refuses */
        }
        sts_buf_dispose(&json);
    }
    sts_arena_dispose(&arena);
    return 0;
}
