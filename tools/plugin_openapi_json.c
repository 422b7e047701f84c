/* The OpenAPI emitter's JSON writer and the C embedding of the finished document. */
#include <stdio.h>
#include <string.h>

#include "plugin_openapi.h"
#include "util/log.h"

static void put(oa_writer_t *w, const char *text, size_t len)
{
    if (sts_buf_append(w->out, text, len) != 0)
        sts_log_fatal("generated document too large");
}

static void put_quoted(oa_writer_t *w, const char *value);

/* Every value starts here: the comma after its predecessor, a new line, the indent, and its key. */
static void begin(oa_writer_t *w, const char *key)
{
    if (w->depth > 0) {
        if (!w->first[w->depth])
            put(w, ",", 1);
        w->first[w->depth] = 0;
        put(w, "\n", 1);
        for (int i = 0; i < w->depth; i++)
            put(w, "  ", 2);
    }
    if (key != NULL) {
        put_quoted(w, key);
        put(w, ": ", 2);
    }
}

static void put_quoted(oa_writer_t *w, const char *value)
{
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        char escaped[8];
        if (*p == '"' || *p == '\\') {
            escaped[0] = '\\';
            escaped[1] = (char)*p;
            put(w, escaped, 2);
        } else if (*p == '\n') {
            put(w, "\\n", 2);
        } else if (*p < 0x20) {
            int n = snprintf(escaped, sizeof(escaped), "\\u%04x", *p);
            put(w, escaped, (size_t)n);
        } else {
            put(w, (const char *)p, 1);
        }
    }
    put(w, "\"", 1);
}

void oa_open(oa_writer_t *w, const char *key, char bracket)
{
    begin(w, key);
    put(w, &bracket, 1);
    if (++w->depth >= (int)(sizeof(w->first) / sizeof(w->first[0])))
        sts_log_fatal("generated document nested too deeply");
    w->first[w->depth] = 1;
}

void oa_close(oa_writer_t *w, char bracket)
{
    int empty = w->first[w->depth];
    w->depth--;
    if (!empty) {
        put(w, "\n", 1);
        for (int i = 0; i < w->depth; i++)
            put(w, "  ", 2);
    }
    put(w, &bracket, 1);
    if (w->depth == 0)
        put(w, "\n", 1);
}

void oa_string(oa_writer_t *w, const char *key, const char *value)
{
    begin(w, key);
    put_quoted(w, value);
}

void oa_integer(oa_writer_t *w, const char *key, long long value)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%lld", value);
    begin(w, key);
    put(w, text, (size_t)n);
}

void oa_bool(oa_writer_t *w, const char *key, int value)
{
    begin(w, key);
    put(w, value ? "true" : "false", value ? 4 : 5);
}

void oa_ref(oa_writer_t *w, const char *key, const char *section, const char *name)
{
    char target[512];
    snprintf(target, sizeof(target), "#/components/%s/%s", section, name);
    oa_open(w, key, '{');
    oa_string(w, "$ref", target);
    oa_close(w, '}');
}

void oa_emit_c_string(sts_buf_t *source, const char *header_name, const char *symbol, const sts_buf_t *document)
{
    plugin_printf(source, "#include \"%s\"\n\nconst char %s[] =\n", header_name, symbol);
    const char *line = document->data;
    const char *end = document->data + document->len;
    while (line < end) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *stop = newline != NULL ? newline : end;
        plugin_printf(source, "    \"");
        for (const char *p = line; p < stop; p++) {
            if (*p == '"' || *p == '\\')
                plugin_printf(source, "\\%c", *p);
            else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                plugin_printf(source, "\\%03o", (unsigned char)*p); /* octal: a hex escape would swallow digits */
            else
                plugin_printf(source, "%c", *p);
        }
        plugin_printf(source, "%s\"\n", newline != NULL ? "\\n" : "");
        line = stop + 1;
    }
    plugin_printf(source, "    ;\n\nconst size_t %s_len = sizeof(%s) - 1;\n", symbol, symbol);
}
