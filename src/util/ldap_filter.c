#include "util/ldap_filter.h"

/* RFC 4515 only requires '*', '(', ')', '\' and NUL to be escaped. Control bytes and bytes from 0x80 are escaped
 * too: the value may not be valid UTF-8, and the escaped form keeps logs and filters plain ASCII. */
static int needs_escape(unsigned char c)
{
    return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f;
}

size_t sts_ldap_filter_escape(const char *value, size_t len, char *out, size_t out_size)
{
    const unsigned char *bytes = (const unsigned char *)value;
    size_t needed = 0;
    for (size_t i = 0; i < len; i++)
        needed += needs_escape(bytes[i]) ? 3 : 1;
    if (needed >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return needed;
    }
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = bytes[i];
        if (needs_escape(c)) {
            out[n++] = '\\';
            out[n++] = digits[c >> 4];
            out[n++] = digits[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    return n;
}
