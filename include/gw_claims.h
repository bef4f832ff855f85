/*
 * gw_claims.h - JWT claims of gateway access tokens and their validation.
 *
 * Pure functions: no clock, no I/O. The caller passes "now" so tests use a
 * frozen clock. libjwt 1.10 has no claim validation, so this is where exp,
 * nbf, iat, iss and aud are checked.
 *
 * gw_claims is a plain value with fixed-size fields: nothing to free.
 */
#ifndef GW_CLAIMS_H
#define GW_CLAIMS_H

#include <stddef.h>

#include <jansson.h>

#include "gw_config.h"

#define GW_CLAIMS_MAX_DB 32
#define GW_CLAIMS_SUB_MAX 128
#define GW_CLAIMS_JTI_MAX 64

/* Why a token was rejected. Append-only. Every value maps to HTTP 401
 * invalid_token; the text becomes the error description. */
typedef enum gw_token_err {
    GW_TOKEN_OK = 0,
    GW_TOKEN_MISSING = 1,
    GW_TOKEN_TOO_LARGE = 2,
    GW_TOKEN_MALFORMED = 3,
    GW_TOKEN_BAD_HEADER = 4,
    GW_TOKEN_ALG_NOT_ALLOWED = 5,
    GW_TOKEN_CRIT_UNSUPPORTED = 6,
    GW_TOKEN_BAD_SIGNATURE = 7,
    GW_TOKEN_BAD_CLAIMS = 8,
    GW_TOKEN_MISSING_EXP = 9,
    GW_TOKEN_EXPIRED = 10,
    GW_TOKEN_NOT_YET_VALID = 11,
    GW_TOKEN_ISSUED_IN_FUTURE = 12,
    GW_TOKEN_WRONG_ISSUER = 13,
    GW_TOKEN_WRONG_AUDIENCE = 14,
    GW_TOKEN_NOMEM = 15,
    GW_TOKEN_UNKNOWN_KID = 16
} gw_token_err;

/* Returns a static sentence describing `err`; it never contains token data. */
const char *gw_token_strerror(gw_token_err err);

/* Returns a short stable name for logs, e.g. "expired". */
const char *gw_token_err_name(gw_token_err err);

typedef struct gw_claims {
    char sub[GW_CLAIMS_SUB_MAX + 1];
    char jti[GW_CLAIMS_JTI_MAX + 1];
    long long iat, nbf, exp;
    int has_iat, has_nbf, has_exp;
    char db[GW_CLAIMS_MAX_DB][GW_DB_NAME_MAX + 1];
    size_t n_db;
    int db_all; /* the token lists "*" */
    gw_mode mode;
    /* iss and aud are checked against the rules while reading the payload,
     * so they need no storage here. */
} gw_claims;

typedef struct gw_claims_rules {
    const char *issuer;
    const char *audience;
    long long leeway_s;
} gw_claims_rules;

/* Reads the claims of a decoded payload object into `out` and checks
 * iss/aud against `rules`. Types are strict: times are integers, db is an
 * array of valid database names or "*", mode is "read" or "write". */
gw_token_err gw_claims_parse(const json_t *payload, const gw_claims_rules *rules, gw_claims *out);

/* Checks the time claims at `now` (seconds since the epoch): exp is
 * required and must be later than now - leeway; nbf and iat, when present,
 * must not be later than now + leeway. */
gw_token_err gw_claims_check_time(const gw_claims *claims, const gw_claims_rules *rules, long long now);

/* Returns nonzero when the claims allow `database`. "*" allows every
 * database except "system", which must be listed by name. */
int gw_claims_allow_database(const gw_claims *claims, const char *database);

#endif
