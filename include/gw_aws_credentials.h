/*
 * gw_aws_credentials.h - AWS credentials for signing requests, and the error
 * codes of the AWS layer (this module and gw_ssm).
 *
 * The provider chain takes the first source that is configured, in the order
 * the AWS SDKs use:
 *   1. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, plus AWS_SESSION_TOKEN
 *      when set. These are read on every call and never cached.
 *   2. The ECS container credentials endpoint:
 *      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, appended to
 *      http://169.254.170.2, or else AWS_CONTAINER_CREDENTIALS_FULL_URI. The
 *      Authorization header is the content of
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or else the value of
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN. The response is cached and fetched
 *      again GW_AWS_CREDENTIALS_REFRESH_S seconds before its Expiration.
 * A full URI must be https, or http to a loopback address or to one of the
 * ECS and EKS agent addresses, so credentials never cross a network in
 * clear text.
 *
 * The parsing and decision functions here do no I/O besides getenv, so they
 * are unit-tested directly. gw_aws_credentials_get (src/aws_credentials.c)
 * does the HTTP fetch.
 *
 * Ownership: a gw_aws_credentials owns its strings, and
 * gw_aws_credentials_clear wipes them with OPENSSL_cleanse and frees them. No function writes a key,
 * secret or token into a message or a log line.
 */
#ifndef GW_AWS_CREDENTIALS_H
#define GW_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "gw_error.h"

/* Cached container credentials are replaced this many seconds before they
 * expire, so a request never signs with credentials about to lapse. */
#define GW_AWS_CREDENTIALS_REFRESH_S 300

/* The ECS agent serves AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on this host. */
#define GW_AWS_ECS_CREDENTIALS_HOST "http://169.254.170.2"

/* Errors of the AWS layer. Append only: never renumber or reuse a value. */
typedef enum gw_aws_err {
    GW_AWS_OK = 0,
    GW_AWS_ERR_NOMEM = 1,
    GW_AWS_ERR_NO_CREDENTIALS = 2,       /* no source in the chain is configured */
    GW_AWS_ERR_CONFIG = 3,               /* a setting or variable is invalid */
    GW_AWS_ERR_CREDENTIALS_ENDPOINT = 4, /* the container endpoint returned an error status */
    GW_AWS_ERR_CREDENTIALS_INVALID = 5,  /* the container endpoint's response is unusable */
    GW_AWS_ERR_CONNECT = 6,              /* no HTTP response: connection failed or timed out */
    GW_AWS_ERR_THROTTLED = 7,            /* HTTP 429 or a throttling error type */
    GW_AWS_ERR_SERVER = 8,               /* HTTP 5xx */
    GW_AWS_ERR_SIGNATURE = 9,            /* signature, access key id or session token rejected */
    GW_AWS_ERR_EXPIRED_TOKEN = 10,       /* the session token has expired */
    GW_AWS_ERR_ACCESS_DENIED = 11,       /* IAM or KMS denied the action */
    GW_AWS_ERR_REQUEST = 12,             /* any other error response */
    GW_AWS_ERR_BAD_RESPONSE = 13,        /* a success status with a body that is not the expected JSON */
    GW_AWS_ERR_PARAMETER_NOT_FOUND = 14, /* SSM listed a parameter in InvalidParameters */
    GW_AWS_ERR_EMPTY_VALUE = 15          /* an SSM parameter has an empty value */
} gw_aws_err;

/* Returns a static English description of `err`. */
const char *gw_aws_strerror(gw_aws_err err);

/* Returns nonzero for errors that a later attempt may not have: connection
 * failures, throttling, 5xx and an expired session token. */
int gw_aws_err_retryable(gw_aws_err err);

typedef enum gw_aws_credentials_source {
    GW_AWS_SOURCE_NONE = 0,
    GW_AWS_SOURCE_ENV = 1,
    GW_AWS_SOURCE_CONTAINER = 2
} gw_aws_credentials_source;

/* Returns "none", "environment" or "container endpoint". */
const char *gw_aws_source_name(gw_aws_credentials_source source);

typedef struct gw_aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when the source gives none */
    time_t expiration;   /* seconds since the epoch; 0 when the source gives none */
    gw_aws_credentials_source source;
} gw_aws_credentials;

/* Wipes and frees every string. Safe on a zeroed or cleared struct. */
void gw_aws_credentials_clear(gw_aws_credentials *credentials);

/* Copies `from` into `out` (new strings). */
gw_aws_err gw_aws_credentials_copy(const gw_aws_credentials *from, gw_aws_credentials *out);

/* Returns nonzero when cached credentials must be fetched again at time
 * `now`: when there are none, when they have no Expiration, or when `now`
 * is less than GW_AWS_CREDENTIALS_REFRESH_S seconds before it. */
int gw_aws_credentials_need_refresh(const gw_aws_credentials *cached, time_t now);

/* The variables the chain reads. Pointers are borrowed from the environment
 * (or from the caller in tests); NULL or "" means unset. */
typedef struct gw_aws_env {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *relative_uri;
    const char *full_uri;
    const char *authorization_token;
    const char *authorization_token_file;
} gw_aws_env;

/* Fills `out` from getenv. */
void gw_aws_env_read(gw_aws_env *out);

/* Step 1 of the chain. Returns GW_AWS_OK with new credentials in `out`,
 * GW_AWS_ERR_NO_CREDENTIALS when neither key variable is set, and
 * GW_AWS_ERR_CONFIG when only one of the two is set. */
gw_aws_err gw_aws_credentials_from_env(const gw_aws_env *env, gw_aws_credentials *out, gw_error_detail *err);

/* Step 2 of the chain: writes the container endpoint URL into `url`.
 * Returns GW_AWS_ERR_NO_CREDENTIALS when neither URI variable is set and
 * GW_AWS_ERR_CONFIG when the URI is malformed or its host is not allowed. */
gw_aws_err gw_aws_container_url(const gw_aws_env *env, char *url, size_t size, gw_error_detail *err);

/* Returns nonzero when `url` may carry credentials: https to any host, or
 * http to 127.0.0.0/8, ::1, localhost or (when `allow_agent` is nonzero)
 * the ECS and EKS agent addresses 169.254.170.2, 169.254.170.23 and
 * fd00:ec2::23. */
int gw_aws_url_allowed(const char *url, int allow_agent);

/* Writes scheme, host, port and path of `url` into `out`, without user
 * info, query or fragment, so the URL can appear in messages. */
void gw_aws_url_for_display(const char *url, char *out, size_t size);

/* Returns nonzero when an Authorization token can be sent as a header
 * value: 1..8192 visible ASCII characters or spaces, no CR or LF. */
int gw_aws_authorization_token_valid(const char *token, size_t len);

/* Parses an RFC 3339 timestamp such as "2024-05-01T12:30:00Z",
 * "2024-05-01T12:30:00.123Z" or "2024-05-01T14:30:00+02:00". Returns 0 on
 * success, -1 when `text` is not one. */
int gw_aws_parse_rfc3339(const char *text, time_t *out);

/* Parses a container endpoint response ({"AccessKeyId", "SecretAccessKey",
 * "Token", "Expiration"}) of `len` bytes into `out` (new strings).
 * Credentials that expired before `now` are rejected. Messages never quote
 * the body. */
gw_aws_err gw_aws_credentials_parse_json(const char *body, size_t len, time_t now, gw_aws_credentials *out,
                                         gw_error_detail *err);

/* The process-wide provider with its cache. It lives until exit, and all
 * functions on it are thread-safe. */
typedef struct gw_aws_credentials_provider gw_aws_credentials_provider;

/* Returns the process-wide provider (static storage, never freed). */
gw_aws_credentials_provider *gw_aws_credentials_default_provider(void);

/* Copies the current credentials into `out` (new strings, release with
 * gw_aws_credentials_clear), walking the chain and fetching container
 * credentials when the cache needs a refresh. */
gw_aws_err gw_aws_credentials_get(gw_aws_credentials_provider *provider, gw_aws_credentials *out,
                                  gw_error_detail *err);

/* Drops the cached credentials, so the next get fetches new ones (after AWS
 * reported an expired token). */
void gw_aws_credentials_invalidate(gw_aws_credentials_provider *provider);

#endif
