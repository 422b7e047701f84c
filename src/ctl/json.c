/* Thin helpers over yajl so commands read like the JSON they handle. */
#include "ctl/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

yajl_val sts_ctl_json_parse(const char *text, size_t len)
{
    if (text == NULL || len == 0)
        return NULL;
    /* yajl_tree_parse wants a NUL-terminated string; the buffer holds exactly len bytes. */
    char *copy = malloc(len + 1);
    if (copy == NULL)
        abort();
    memcpy(copy, text, len);
    copy[len] = '\0';
    yajl_val root = yajl_tree_parse(copy, NULL, 0);
    memset(copy, 0, len);
    free(copy);
    return root;
}

yajl_val sts_ctl_json_member(yajl_val root, const char *name)
{
    if (root == NULL || !YAJL_IS_OBJECT(root))
        return NULL;
    for (size_t i = 0; i < root->u.object.len; i++)
        if (strcmp(root->u.object.keys[i], name) == 0)
            return root->u.object.values[i];
    return NULL;
}

const char *sts_ctl_json_string(yajl_val root, const char *first, const char *second)
{
    yajl_val value = sts_ctl_json_member(root, first);
    if (second != NULL)
        value = sts_ctl_json_member(value, second);
    return (value != NULL && YAJL_IS_STRING(value)) ? value->u.string : NULL;
}

void sts_ctl_json_string_out(yajl_gen gen, const char *text)
{
    yajl_gen_string(gen, (const unsigned char *)text, strlen(text));
}

void sts_ctl_json_write(yajl_gen gen, yajl_val value)
{
    if (value == NULL) {
        yajl_gen_null(gen);
    } else if (YAJL_IS_STRING(value)) {
        sts_ctl_json_string_out(gen, value->u.string);
    } else if (YAJL_IS_NUMBER(value)) {
        yajl_gen_number(gen, value->u.number.r, strlen(value->u.number.r));
    } else if (YAJL_IS_OBJECT(value)) {
        yajl_gen_map_open(gen);
        for (size_t i = 0; i < value->u.object.len; i++) {
            sts_ctl_json_string_out(gen, value->u.object.keys[i]);
            sts_ctl_json_write(gen, value->u.object.values[i]);
        }
        yajl_gen_map_close(gen);
    } else if (YAJL_IS_ARRAY(value)) {
        yajl_gen_array_open(gen);
        for (size_t i = 0; i < value->u.array.len; i++)
            sts_ctl_json_write(gen, value->u.array.values[i]);
        yajl_gen_array_close(gen);
    } else if (YAJL_IS_TRUE(value)) {
        yajl_gen_bool(gen, 1);
    } else if (YAJL_IS_FALSE(value)) {
        yajl_gen_bool(gen, 0);
    } else {
        yajl_gen_null(gen);
    }
}

yajl_gen sts_ctl_json_gen(int pretty)
{
    yajl_gen gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        abort();
    yajl_gen_config(gen, yajl_gen_beautify, pretty ? 1 : 0);
    yajl_gen_config(gen, yajl_gen_indent_string, "  ");
    return gen;
}

void sts_ctl_json_flush(yajl_gen gen, FILE *out)
{
    const unsigned char *text = NULL;
    size_t len = 0;
    yajl_gen_get_buf(gen, &text, &len);
    fwrite(text, 1, len, out);
    if (len == 0 || text[len - 1] != '\n')
        fputc('\n', out);
    memset((void *)text, 0, len);
    yajl_gen_clear(gen);
}

void sts_ctl_json_print(yajl_val value, FILE *out)
{
    yajl_gen gen = sts_ctl_json_gen(1);
    sts_ctl_json_write(gen, value);
    sts_ctl_json_flush(gen, out);
    yajl_gen_free(gen);
}

char *sts_ctl_json_quote(const char *text)
{
    yajl_gen gen = sts_ctl_json_gen(0);
    sts_ctl_json_string_out(gen, text);
    const unsigned char *out = NULL;
    size_t len = 0;
    yajl_gen_get_buf(gen, &out, &len);
    /* Drop the surrounding quotes the generator wrote. */
    char *result = sts_strndup((const char *)out + 1, len >= 2 ? len - 2 : 0);
    memset((void *)out, 0, len);
    yajl_gen_free(gen);
    return result;
}
