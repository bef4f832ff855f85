/*
 * gw_error.h - the gateway's error codes.
 *
 * One append-only enum for the whole gateway layer: never renumber or reuse
 * a value. Each code has a fixed English description (gw_strerror), a stable
 * string that HTTP clients can switch on (gw_err_code) and an HTTP status
 * (gw_err_http_status). Adding a code without texts fails the build because
 * the switches have no default branch and we compile with -Wswitch -Werror.
 *
 * gw_error_detail is an optional, caller-owned place for the specifics of a
 * failure (message, source file, line, column), in the spirit of jansson's
 * json_error_t. Functions that take one fill it on failure only; it never
 * contains secret values.
 */
#ifndef GW_ERROR_H
#define GW_ERROR_H

#include <stddef.h>

typedef enum gw_err {
    GW_OK = 0,
    GW_ERR_NOMEM = 1,
    GW_ERR_CONFIG = 2,
    GW_ERR_SECRET = 3,
    GW_ERR_IO = 4,
    GW_ERR_INVALID_REQUEST = 5,
    GW_ERR_UNSUPPORTED_GRANT_TYPE = 6,
    GW_ERR_INVALID_CLIENT = 7,
    GW_ERR_INVALID_TOKEN = 8,
    GW_ERR_INSUFFICIENT_SCOPE = 9,
    GW_ERR_NOT_FOUND = 10,
    GW_ERR_METHOD_NOT_ALLOWED = 11,
    GW_ERR_PAYLOAD_TOO_LARGE = 12,
    GW_ERR_UNSUPPORTED_MEDIA_TYPE = 13,
    GW_ERR_NOT_ACCEPTABLE = 14,
    GW_ERR_POOL_EXHAUSTED = 15,
    GW_ERR_NEO4J_UNAVAILABLE = 16,
    GW_ERR_NEO4J_TIMEOUT = 17,
    GW_ERR_NEO4J_BAD_RESPONSE = 18,
    GW_ERR_NEO4J_AUTH = 19,
    GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN = 20,
    GW_ERR_RESULT_TOO_LARGE = 21,
    GW_ERR_NOT_READY = 22,
    GW_ERR_SHUTTING_DOWN = 23,
    GW_ERR_INTERNAL = 24,
    GW_ERR_STATEMENT_TOO_LONG = 25,
    GW_ERR_PARAMETERS_TOO_DEEP = 26,
    GW_ERR_TOO_MANY_BOOKMARKS = 27,
    GW_ERR_RATE_LIMITED = 28,
    GW_ERR_POLICY_DENIED = 29,
    GW_ERR_NAMED_QUERY = 30
} gw_err;

/* Caller-owned detail of a failure. `message` is a full sentence naming the
 * offending value (never a secret) and the next step. */
typedef struct gw_error_detail {
    char message[320];
    char source[160]; /* file name, URL or component; "" when unknown */
    int line;         /* 1-based; 0 when unknown */
    int column;       /* 1-based; 0 when unknown */
} gw_error_detail;

/* Returns a static English description of `err`. */
const char *gw_strerror(gw_err err);

/* Returns the stable machine-readable code sent to HTTP clients, for
 * example "invalid_token". Static string. */
const char *gw_err_code(gw_err err);

/* Returns the HTTP status the gateway responds with for `err`. */
int gw_err_http_status(gw_err err);

/* Fills `detail` (if not NULL) with a printf-style message and resets the
 * source position. Returns `err`, so callers can write
 * `return gw_error_set(d, GW_ERR_CONFIG, "...")`. */
gw_err gw_error_set(gw_error_detail *detail, gw_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like gw_error_set, and records the source position too. */
gw_err gw_error_set_at(gw_error_detail *detail, gw_err err, const char *source,
                       int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
