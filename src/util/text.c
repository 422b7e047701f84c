#include "util/text.h"
#include <string.h>
#include "util/log.h"

char *sts_strndup(const char *text, size_t len)
{
    if (text == NULL)
        return NULL;
    char *out = strndup(text, len);
    if (out == NULL)
        sts_log_fatal("out of memory");
    return out;
}

char *sts_strdup(const char *text)
{
    return sts_strndup(text, text != NULL ? strlen(text) : 0);
}
