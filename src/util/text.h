/* Heap copies of strings for long-lived state; running out of memory there is fatal, as everywhere in stsd. */
#ifndef STS_UTIL_TEXT_H
#define STS_UTIL_TEXT_H
#include <stddef.h>

/** A malloc'd copy of text (free it), or NULL when text is NULL. Exits through sts_log_fatal when memory is out. */
char *sts_strdup(const char *text);

/** A malloc'd copy of at most len bytes of text, NUL-terminated; NULL when text is NULL. Fatal when out of memory. */
char *sts_strndup(const char *text, size_t len);

#endif
