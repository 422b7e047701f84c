/* Parsing and applying ldap_role_map: GROUP=role|role grants separated by ';'. */
#include "directory/role_map.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int separator(char c)
{
    return c == ',' || c == '=' || c == '+';
}

char *sts_ldap_dn_canonical(const char *dn)
{
    size_t len = strlen(dn);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    int escaped = 0;
    for (size_t i = 0; i < len; i++) {
        char c = dn[i];
        if (!escaped && is_blank(c)) {
            /* Drop a run of blanks at either end or next to a separator. */
            size_t end = i;
            while (end < len && is_blank(dn[end]))
                end++;
            int before = n == 0 || (separator(out[n - 1]) && !(n >= 2 && out[n - 2] == '\\'));
            int after = end == len || separator(dn[end]);
            if (before || after) {
                i = end - 1;
                continue;
            }
        }
        escaped = !escaped && c == '\\';
        out[n++] = (char)tolower((unsigned char)c);
    }
    out[n] = '\0';
    return out;
}

static int valid_role(const char *role, size_t len)
{
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)role[i]) && strchr("._-:", role[i]) == NULL)
            return 0;
    }
    return 1;
}

static char *trimmed_copy(const char *p, size_t len)
{
    while (len > 0 && is_blank(*p))
        p++, len--;
    while (len > 0 && is_blank(p[len - 1]))
        len--;
    char *out = strndup(p, len);
    if (out == NULL)
        abort(); /* out of memory is fatal (house rule) */
    return out;
}

/* One GROUP=role|role grant of len bytes at p into grant; 0, or -1 with error. */
static int parse_grant(const char *p, size_t len, sts_ldap_role_grant_t *grant, char *error, size_t error_size)
{
    char *text = trimmed_copy(p, len);
    char *equals = strrchr(text, '=');
    int status = -1;
    if (equals == NULL || equals == text) {
        snprintf(error, error_size, "ldap_role_map: '%.100s' is not GROUP=role|role", text);
        goto done;
    }
    *equals = '\0';
    char *group = trimmed_copy(text, strlen(text));
    grant->is_dn = strchr(group, '=') != NULL;
    grant->group = grant->is_dn ? sts_ldap_dn_canonical(group) : group;
    if (grant->is_dn)
        free(group);
    if (grant->group == NULL)
        abort();
    if (grant->group[0] == '\0') {
        snprintf(error, error_size, "ldap_role_map: a grant names no group");
        goto done;
    }
    const char *roles = equals + 1;
    for (const char *r = roles;; r += strcspn(r, "|") + 1) {
        char *role = trimmed_copy(r, strcspn(r, "|"));
        if (!valid_role(role, strlen(role))) {
            snprintf(error, error_size,
                     "ldap_role_map: group %.100s: role '%.64s' is not 1 to 64 ASCII letters, digits and . _ - :",
                     grant->group, role);
            free(role);
            goto done;
        }
        grant->roles = realloc(grant->roles, (grant->role_count + 1) * sizeof(*grant->roles));
        if (grant->roles == NULL)
            abort();
        grant->roles[grant->role_count++] = role;
        if (r[strcspn(r, "|")] == '\0')
            break;
    }
    status = 0;
done:
    free(text);
    return status;
}

int sts_ldap_role_map_parse(const char *text, sts_ldap_role_map_t *map, char *error, size_t error_size)
{
    memset(map, 0, sizeof(*map));
    for (const char *p = text; *p != '\0'; p += strcspn(p, ";") + (p[strcspn(p, ";")] == ';')) {
        size_t len = strcspn(p, ";");
        size_t blanks = 0;
        while (blanks < len && (is_blank(p[blanks]) || p[blanks] == '\n'))
            blanks++;
        if (blanks == len)
            continue; /* an empty grant, e.g. after a final ';' */
        map->grants = realloc(map->grants, (map->count + 1) * sizeof(*map->grants));
        if (map->grants == NULL)
            abort();
        sts_ldap_role_grant_t *grant = &map->grants[map->count++];
        memset(grant, 0, sizeof(*grant));
        if (parse_grant(p, len, grant, error, error_size) != 0) {
            sts_ldap_role_map_dispose(map);
            return -1;
        }
    }
    return 0;
}

void sts_ldap_role_map_dispose(sts_ldap_role_map_t *map)
{
    for (size_t i = 0; i < map->count; i++) {
        for (size_t j = 0; j < map->grants[i].role_count; j++)
            free(map->grants[i].roles[j]);
        free(map->grants[i].roles);
        free(map->grants[i].group);
    }
    free(map->grants);
    memset(map, 0, sizeof(*map));
}

void sts_ldap_role_map_apply(const sts_ldap_role_map_t *map, const char *group_dn, const char *group_cn,
                             const char **roles, size_t *count, size_t max)
{
    char *canonical = sts_ldap_dn_canonical(group_dn);
    if (canonical == NULL)
        abort();
    for (size_t i = 0; i < map->count; i++) {
        const sts_ldap_role_grant_t *grant = &map->grants[i];
        int match = grant->is_dn ? strcmp(grant->group, canonical) == 0
                                 : group_cn != NULL && strcasecmp(grant->group, group_cn) == 0;
        for (size_t j = 0; match && j < grant->role_count; j++) {
            size_t k = 0;
            while (k < *count && strcmp(roles[k], grant->roles[j]) != 0)
                k++;
            if (k == *count && *count < max)
                roles[(*count)++] = grant->roles[j];
        }
    }
    free(canonical);
}
