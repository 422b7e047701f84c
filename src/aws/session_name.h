/* RoleSessionName values derived from the caller, so the object store's logs say who asked. */
#ifndef STS_AWS_SESSION_NAME_H
#define STS_AWS_SESSION_NAME_H

/** Room for a session name and its NUL. */
#define STS_AWS_SESSION_NAME_MAX 65

/**
 * Writes a RoleSessionName (2 to 64 characters of [A-Za-z0-9_=,.@-]) into out: the caller's name with every other
 * character replaced by '_', cut to fit, then '-' and 6 random characters. A NULL or empty caller gets "sts-" and
 * 12 random characters. Thread-safe.
 */
void sts_aws_session_name(const char *caller, char out[STS_AWS_SESSION_NAME_MAX]);

#endif
