/* A page cursor rendered as the URI of the next page (the page_cursor_for annotation, REST only). */
#include <string.h>

#include "rest/json_field.h"
#include "rest/request.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

static char *percent_encode(const char *text, sts_arena_t *arena)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = sts_arena_alloc(arena, strlen(text) * 3 + 1), *p = out;
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (unreserved(*c)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    *p = '\0';
    return out;
}

/* True when the raw query parameter pair[0..len) names field (by either name, as the request decoder reads it). */
static int names_field(const sts_method_table_t *table, const ProtobufCMessageDescriptor *request,
                       const ProtobufCFieldDescriptor *field, const char *pair, size_t len, sts_arena_t *arena)
{
    const char *equals = memchr(pair, '=', len);
    size_t name_len = equals != NULL ? (size_t)(equals - pair) : len;
    char *name = sts_arena_alloc(arena, name_len + 1);
    long n = sts_rest_percent_decode(pair, name_len, name, 1);
    return n >= 0 && sts__json_find_field(table, request, name, (size_t)n) == field;
}

const char *sts__rest_page_link(const sts_method_table_t *table, const sts_json_page_link_t *link,
                                const char *request_field, const char *cursor, sts_arena_t *arena)
{
    if (cursor[0] == '\0')
        return cursor;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(link->request, request_field);
    if (field == NULL)
        return cursor;
    const char *json_name =
        sts__json_field_name(table, link->request, (unsigned)(field - link->request->fields), arena);
    const char *parameter =
        sts_arena_printf(arena, "%s=%s", percent_encode(json_name, arena), percent_encode(cursor, arena));
    const char *query = "";
    int placed = 0;
    size_t start = 0;
    for (size_t i = 0; link->query != NULL && i <= link->query_len; i++) {
        if (i < link->query_len && link->query[i] != '&')
            continue;
        const char *pair = link->query + start;
        size_t len = i - start;
        start = i + 1;
        if (len == 0)
            continue;
        const char *kept = NULL;
        if (!names_field(table, link->request, field, pair, len, arena))
            kept = sts_arena_strndup(arena, pair, len);
        else if (!placed)
            kept = parameter, placed = 1;
        if (kept != NULL)
            query = sts_arena_printf(arena, "%s%s%s", query, query[0] ? "&" : "", kept);
    }
    if (!placed)
        query = sts_arena_printf(arena, "%s%s%s", query, query[0] ? "&" : "", parameter);
    return sts_arena_printf(arena, "%.*s?%s", (int)link->path_len, link->path, query);
}
