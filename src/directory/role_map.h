/* Which sts roles a directory group gives its members (ldap_role_map). */
#ifndef STS_DIRECTORY_ROLE_MAP_H
#define STS_DIRECTORY_ROLE_MAP_H
#include <stddef.h>

/** The most roles one login collects from its groups (as many as a user may hold). */
#define STS_LDAP_ROLES_MAX 32

typedef struct {
    char *group; /**< a group's cn, or (is_dn) its DN in the canonical form of sts_ldap_dn_canonical */
    int is_dn;
    char **roles;
    size_t role_count;
} sts_ldap_role_grant_t;

/** A parsed map; owned by whoever parsed it (sts_ldap_role_map_dispose). Immutable afterwards, so thread-safe. */
typedef struct {
    sts_ldap_role_grant_t *grants;
    size_t count;
} sts_ldap_role_map_t;

/**
 * Parses text: grants separated by ';', each GROUP=role|role (blanks around each part are dropped). GROUP is a group's
 * cn (no '=' in it), or a group's full DN (it has an '='; the roles are what follows its last '='). Role names have 1
 * to 64 ASCII letters, digits and . _ - : (as sts roles). An empty text is an empty map. Returns 0, or -1 with a
 * message in error naming the bad grant (map is then empty).
 */
int sts_ldap_role_map_parse(const char *text, sts_ldap_role_map_t *map, char *error, size_t error_size);

/** Frees the map's contents; the map is empty afterwards. */
void sts_ldap_role_map_dispose(sts_ldap_role_map_t *map);

/**
 * Adds to roles[0..*count) (at most max) every role that a group with this DN and cn (NULL when it has none) grants,
 * skipping those already there. A DN grant matches the DN in canonical form (case and blanks around ',', '=' and '+'
 * do not matter); a cn grant matches the cn ignoring ASCII case. The role strings are the map's. Thread-safe.
 */
void sts_ldap_role_map_apply(const sts_ldap_role_map_t *map, const char *group_dn, const char *group_cn,
                             const char **roles, size_t *count, size_t max);

/**
 * The canonical form of a DN for comparisons: ASCII letters lower-cased, and blanks next to ',', '=' and '+' dropped
 * (unless escaped). Returns a new string (free it), or NULL when out of memory.
 */
char *sts_ldap_dn_canonical(const char *dn);

#endif
