/* DN escaping and username templates for LDAP requests. */
#include "directory/ldap_text.h"
#include <stdio.h>
#include <string.h>

size_t sts_ldap_dn_escape(const char *value, size_t len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    size_t needed = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c >= 0x7f)
            needed += 3;
        else if (strchr("\"+,;<>\\=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) || (i == len - 1 && c == ' '))
            needed += 2;
        else
            needed += 1;
    }
    if (needed >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return needed;
    }
    char *p = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c >= 0x7f) {
            *p++ = '\\';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
            continue;
        }
        if (strchr("\"+,;<>\\=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) || (i == len - 1 && c == ' '))
            *p++ = '\\';
        *p++ = (char)c;
    }
    *p = '\0';
    return needed;
}

int sts_ldap_template_check(const char *template_text, const char *what, char *error, size_t error_size)
{
    int values = 0;
    for (const char *p = template_text; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (p[1] == 's') {
            values++;
        } else if (p[1] != '%') {
            snprintf(error, error_size, "%s: a '%%' must start %%s (the username) or %%%% (a literal '%%')", what);
            return -1;
        }
        p++;
    }
    if (values != 1) {
        snprintf(error, error_size, "%s must hold %%s (where the username goes) exactly once, not %d times", what,
                 values);
        return -1;
    }
    return 0;
}

size_t sts_ldap_template_fill(const char *template_text, const char *value, char *out, size_t out_size)
{
    size_t length = 0, value_len = strlen(value);
    for (const char *p = template_text; *p != '\0'; p++) {
        const char *piece = p;
        size_t piece_len = 1;
        if (p[0] == '%' && p[1] == 's') {
            piece = value;
            piece_len = value_len;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            p++;
        }
        if (length + piece_len < out_size)
            memcpy(out + length, piece, piece_len);
        length += piece_len;
    }
    if (length < out_size)
        out[length] = '\0';
    else if (out_size > 0)
        out[0] = '\0';
    return length;
}
