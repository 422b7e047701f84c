/* Reading stsd's JSON answers (yajl's tree) and writing JSON (yajl's generator) for stsctl. */
#ifndef STS_CTL_JSON_H
#define STS_CTL_JSON_H
#include <stddef.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/** Parses len bytes of JSON. Returns a tree to free with yajl_tree_free, or NULL when the text is not JSON. */
yajl_val sts_ctl_json_parse(const char *text, size_t len);

/**
 * The string at root.first (or root.first.second when second is not NULL), or NULL when absent or not a string.
 * Points into the tree.
 */
const char *sts_ctl_json_string(yajl_val root, const char *first, const char *second);

/** The member name of object root, or NULL when absent (or root is not an object). Points into the tree. */
yajl_val sts_ctl_json_member(yajl_val root, const char *name);

/** Writes value (any JSON value from a yajl tree) to gen. */
void sts_ctl_json_write(yajl_gen gen, yajl_val value);

/** Writes a NUL-terminated string to gen. */
void sts_ctl_json_string_out(yajl_gen gen, const char *text);

/** A generator that indents (pretty != 0) or writes one line. Free with yajl_gen_free. */
yajl_gen sts_ctl_json_gen(int pretty);

/** Writes what gen holds to out with a final newline, then clears gen; the buffer is wiped (it may hold secrets). */
void sts_ctl_json_flush(yajl_gen gen, FILE *out);

/** Writes value, indented, to out with a final newline (the buffer is wiped, as by sts_ctl_json_flush). */
void sts_ctl_json_print(yajl_val value, FILE *out);

/**
 * Escapes text for a JSON string body (no quotes) into a malloc'd string (free it). For building small request
 * bodies with values the user chose.
 */
char *sts_ctl_json_quote(const char *text);

#endif
