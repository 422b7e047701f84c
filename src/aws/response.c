#include "aws/response.h"
#include <expat.h>
#include <string.h>
#include "util/text.h"

/* Deepest element nesting read; STS responses use four levels. */
#define MAX_DEPTH 16
/* Longest text kept for one element; session tokens are the longest, at a few kilobytes. */
#define MAX_TEXT 16384

typedef struct {
    XML_Parser parser;
    sts_aws_response_t *out;
    sts_arena_t *arena;
    const char *error;
    const char *path[MAX_DEPTH];
    int depth;
    char text[MAX_TEXT];
    size_t text_len;
} reader_t;

/* Which field an element fills, by its parent and its own name. */
static const char **target(reader_t *r)
{
    if (r->depth < 2)
        return NULL;
    const char *parent = r->path[r->depth - 2];
    const char *name = r->path[r->depth - 1];
    sts_aws_response_t *out = r->out;
    if (strcmp(parent, "Credentials") == 0) {
        if (strcmp(name, "AccessKeyId") == 0)
            return &out->access_key_id;
        if (strcmp(name, "SecretAccessKey") == 0)
            return &out->secret_access_key;
        if (strcmp(name, "SessionToken") == 0)
            return &out->session_token;
        if (strcmp(name, "Expiration") == 0)
            return &out->expiration;
    } else if (strcmp(parent, "AssumedRoleUser") == 0) {
        if (strcmp(name, "AssumeRoleId") == 0 || strcmp(name, "AssumedRoleId") == 0)
            return &out->assumed_role_id;
        if (strcmp(name, "Arn") == 0)
            return &out->arn;
    } else if (strcmp(parent, "Role") == 0) {
        if (strcmp(name, "RoleId") == 0)
            return &out->role_id;
        if (strcmp(name, "MaxSessionDuration") == 0)
            return &out->max_session_duration;
    } else if (strcmp(parent, "Error") == 0) {
        if (strcmp(name, "Code") == 0)
            return &out->error_code;
        if (strcmp(name, "Message") == 0)
            return &out->error_message;
    }
    return NULL;
}

static void stop(reader_t *r, const char *error)
{
    if (r->error == NULL)
        r->error = error;
    XML_StopParser(r->parser, XML_FALSE);
}

static void on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    (void)attributes;
    reader_t *r = data;
    if (r->depth == MAX_DEPTH) {
        stop(r, "the XML is nested too deeply");
        return;
    }
    r->path[r->depth++] = sts_arena_strdup(r->arena, name);
    r->text_len = 0;
}

static void on_end(void *data, const XML_Char *name)
{
    (void)name;
    reader_t *r = data;
    const char **field = target(r);
    sts_aws_response_t *out = r->out;
    if (field == &out->error_code || field == &out->error_message) {
        /* The peer's words reach callers and logs: no control characters, and a bounded length. */
        char *clean = sts_arena_alloc(r->arena, STS_AWS_ERROR_TEXT_MAX + STS_TEXT_CLEAN_EXTRA);
        sts_text_clean(r->text, r->text_len, STS_AWS_ERROR_TEXT_MAX, clean,
                       STS_AWS_ERROR_TEXT_MAX + STS_TEXT_CLEAN_EXTRA);
        *field = clean;
    } else if (field != NULL) {
        *field = sts_arena_strndup(r->arena, r->text, r->text_len);
    }
    r->depth--;
    r->text_len = 0;
}

static void on_text(void *data, const XML_Char *text, int len)
{
    reader_t *r = data;
    if (target(r) == NULL)
        return;
    if (r->text_len + (size_t)len > MAX_TEXT) {
        stop(r, "an XML element is too long");
        return;
    }
    memcpy(r->text + r->text_len, text, (size_t)len);
    r->text_len += (size_t)len;
}

static void on_doctype(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(data, "the XML has a document type declaration, which an STS response never has");
}

int sts_aws_response_parse(const char *xml, size_t len, sts_aws_response_t *out, sts_arena_t *arena, const char **error)
{
    memset(out, 0, sizeof(*out));
    if (len > STS_AWS_RESPONSE_MAX_BYTES) {
        *error = "the response is larger than 64 KiB";
        return -1;
    }
    reader_t *r = sts_arena_calloc(arena, sizeof(*r));
    r->out = out;
    r->arena = arena;
    r->parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(r->parser, r);
    XML_SetElementHandler(r->parser, on_start, on_end);
    XML_SetCharacterDataHandler(r->parser, on_text);
    XML_SetStartDoctypeDeclHandler(r->parser, on_doctype);
    enum XML_Status status = XML_Parse(r->parser, xml, (int)len, XML_TRUE);
    if (r->error == NULL && status != XML_STATUS_OK)
        r->error =
            sts_arena_printf(arena, "malformed XML at line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(r->parser),
                             XML_ErrorString(XML_GetErrorCode(r->parser)));
    XML_ParserFree(r->parser);
    *error = r->error;
    return r->error != NULL ? -1 : 0;
}
