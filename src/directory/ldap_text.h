/* Text that goes into LDAP requests: DN escaping (RFC 4514) and the templates that take a username. */
#ifndef STS_DIRECTORY_LDAP_TEXT_H
#define STS_DIRECTORY_LDAP_TEXT_H
#include <stddef.h>

/** Room sts_ldap_dn_escape needs for a value of len bytes in the worst case: 3 per byte, and the NUL. */
#define STS_LDAP_DN_ESCAPE_MAX(len) (3 * (len) + 1)

/**
 * Escapes the len bytes at value for use as an attribute value in a DN (RFC 4514 section 2.4), such as NAME in
 * "uid=NAME,ou=people,dc=example,dc=org", so that no byte of it can end the value, start another RDN or attribute,
 * or change the DN's meaning: '"', '+', ',', ';', '<', '>', '\' and '=' get a backslash in front; a leading '#' or
 * space and a trailing space too; NUL, bytes below 0x20, 0x7f and bytes from 0x80 become a backslash and two
 * lower-case hex digits. Every other byte is copied.
 *
 * Written to out with a NUL only when it fits (the return value is less than out_size); otherwise out[0] is NUL (when
 * out_size is not 0). Returns the escaped length, like snprintf. STS_LDAP_DN_ESCAPE_MAX(len) always suffices.
 * Thread-safe; no allocation. Not for search filters, which escape differently (sts_ldap_filter_escape).
 */
size_t sts_ldap_dn_escape(const char *value, size_t len, char *out, size_t out_size);

/**
 * Checks a template that takes one value: exactly one "%s" and no other '%' (write "%%" for a literal '%').
 * what names it in the message ("ldap_user_filter"). Returns 0, or -1 with a message in error.
 */
int sts_ldap_template_check(const char *template_text, const char *what, char *error, size_t error_size);

/**
 * Fills a checked template: "%s" becomes value (already escaped for where it goes), "%%" becomes '%'. Returns the
 * length, like snprintf: the text and a NUL are written only when the return value is less than out_size.
 */
size_t sts_ldap_template_fill(const char *template_text, const char *value, char *out, size_t out_size);

#endif
