/* claims.c - reading and validating access-token claims (see gw_claims.h). */
#include "gw_claims.h"

#include <string.h>
#include <strings.h>

const char *gw_token_strerror(gw_token_err err)
{
    switch (err) {
    case GW_TOKEN_OK: return "the token is valid";
    case GW_TOKEN_MISSING: return "no bearer token was sent; send 'Authorization: Bearer <token>' from POST /token";
    case GW_TOKEN_TOO_LARGE: return "the token is larger than the configured maximum";
    case GW_TOKEN_MALFORMED: return "the token is not a compact JWS of three base64url segments";
    case GW_TOKEN_BAD_HEADER: return "the token header is not a valid JSON object";
    case GW_TOKEN_ALG_NOT_ALLOWED: return "the token's algorithm is not the one this gateway accepts";
    case GW_TOKEN_CRIT_UNSUPPORTED: return "the token lists critical header extensions this gateway does not support";
    case GW_TOKEN_BAD_SIGNATURE: return "the token signature is invalid";
    case GW_TOKEN_BAD_CLAIMS: return "the token claims are missing or have the wrong type";
    case GW_TOKEN_MISSING_EXP: return "the token has no expiry (exp) claim";
    case GW_TOKEN_EXPIRED: return "the token has expired; request a new one from POST /token";
    case GW_TOKEN_NOT_YET_VALID: return "the token is not valid yet (nbf is in the future)";
    case GW_TOKEN_ISSUED_IN_FUTURE: return "the token was issued in the future (iat); check the clocks";
    case GW_TOKEN_WRONG_ISSUER: return "the token was issued by another issuer";
    case GW_TOKEN_WRONG_AUDIENCE: return "the token is meant for another audience";
    case GW_TOKEN_NOMEM: return "out of memory while checking the token";
    case GW_TOKEN_UNKNOWN_KID: return "the token names a key id (kid) this gateway does not know";
    }
    return "the token is invalid";
}

const char *gw_token_err_name(gw_token_err err)
{
    switch (err) {
    case GW_TOKEN_OK: return "ok";
    case GW_TOKEN_MISSING: return "missing";
    case GW_TOKEN_TOO_LARGE: return "too_large";
    case GW_TOKEN_MALFORMED: return "malformed";
    case GW_TOKEN_BAD_HEADER: return "bad_header";
    case GW_TOKEN_ALG_NOT_ALLOWED: return "alg_not_allowed";
    case GW_TOKEN_CRIT_UNSUPPORTED: return "crit_unsupported";
    case GW_TOKEN_BAD_SIGNATURE: return "bad_signature";
    case GW_TOKEN_BAD_CLAIMS: return "bad_claims";
    case GW_TOKEN_MISSING_EXP: return "missing_exp";
    case GW_TOKEN_EXPIRED: return "expired";
    case GW_TOKEN_NOT_YET_VALID: return "not_yet_valid";
    case GW_TOKEN_ISSUED_IN_FUTURE: return "issued_in_future";
    case GW_TOKEN_WRONG_ISSUER: return "wrong_issuer";
    case GW_TOKEN_WRONG_AUDIENCE: return "wrong_audience";
    case GW_TOKEN_NOMEM: return "nomem";
    case GW_TOKEN_UNKNOWN_KID: return "unknown_kid";
    }
    return "invalid";
}

/* Copies a string claim into a fixed buffer; too long is an error. */
static int copy_string(const json_t *value, char *out, size_t cap)
{
    const char *s;
    size_t len;

    if (!json_is_string(value))
        return -1;
    s = json_string_value(value);
    len = json_string_length(value);
    if (len == 0 || len >= cap || strlen(s) != len)
        return -1;
    memcpy(out, s, len + 1);
    return 0;
}

/* Reads an optional NumericDate. Only integers are accepted: fractional
 * seconds are legal in RFC 7519 but never issued by this gateway. */
static int read_time(const json_t *payload, const char *name, long long *out, int *present)
{
    const json_t *value = json_object_get(payload, name);

    *present = 0;
    if (!value)
        return 0;
    if (!json_is_integer(value))
        return -1;
    *out = (long long)json_integer_value(value);
    *present = 1;
    return 0;
}

static int audience_matches(const json_t *aud, const char *expected)
{
    size_t i;
    const json_t *item;

    if (json_is_string(aud))
        return strcmp(json_string_value(aud), expected) == 0;
    if (!json_is_array(aud))
        return 0;
    json_array_foreach(aud, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), expected) == 0)
            return 1;
    }
    return 0;
}

static gw_token_err read_databases(const json_t *payload, gw_claims *out)
{
    const json_t *db = json_object_get(payload, "db");
    const json_t *item;
    size_t i;

    if (!json_is_array(db) || json_array_size(db) == 0 || json_array_size(db) > GW_CLAIMS_MAX_DB)
        return GW_TOKEN_BAD_CLAIMS;
    json_array_foreach(db, i, item) {
        if (copy_string(item, out->db[i], sizeof out->db[i]) != 0)
            return GW_TOKEN_BAD_CLAIMS;
        if (strcmp(out->db[i], "*") == 0)
            out->db_all = 1;
        else if (!gw_database_name_valid(out->db[i]))
            return GW_TOKEN_BAD_CLAIMS;
    }
    out->n_db = json_array_size(db);
    return GW_TOKEN_OK;
}

gw_token_err gw_claims_parse(const json_t *payload, const gw_claims_rules *rules, gw_claims *out)
{
    const json_t *iss, *aud, *mode, *jti;
    gw_token_err rc;

    memset(out, 0, sizeof *out);
    if (!json_is_object(payload))
        return GW_TOKEN_BAD_CLAIMS;

    if (read_time(payload, "exp", &out->exp, &out->has_exp) != 0 ||
        read_time(payload, "nbf", &out->nbf, &out->has_nbf) != 0 ||
        read_time(payload, "iat", &out->iat, &out->has_iat) != 0)
        return GW_TOKEN_BAD_CLAIMS;
    if (!out->has_exp)
        return GW_TOKEN_MISSING_EXP;

    iss = json_object_get(payload, "iss");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), rules->issuer) != 0)
        return GW_TOKEN_WRONG_ISSUER;
    aud = json_object_get(payload, "aud");
    if (!aud || !audience_matches(aud, rules->audience))
        return GW_TOKEN_WRONG_AUDIENCE;

    if (copy_string(json_object_get(payload, "sub"), out->sub, sizeof out->sub) != 0)
        return GW_TOKEN_BAD_CLAIMS;
    jti = json_object_get(payload, "jti");
    if (jti && copy_string(jti, out->jti, sizeof out->jti) != 0)
        return GW_TOKEN_BAD_CLAIMS;

    rc = read_databases(payload, out);
    if (rc != GW_TOKEN_OK)
        return rc;

    mode = json_object_get(payload, "mode");
    if (!json_is_string(mode))
        return GW_TOKEN_BAD_CLAIMS;
    if (strcmp(json_string_value(mode), "read") == 0)
        out->mode = GW_MODE_READ;
    else if (strcmp(json_string_value(mode), "write") == 0)
        out->mode = GW_MODE_WRITE;
    else
        return GW_TOKEN_BAD_CLAIMS;
    return GW_TOKEN_OK;
}

gw_token_err gw_claims_check_time(const gw_claims *claims, const gw_claims_rules *rules, long long now)
{
    long long leeway = rules->leeway_s;

    if (!claims->has_exp)
        return GW_TOKEN_MISSING_EXP;
    /* RFC 7519 4.1.4: the token must not be accepted on or after exp. */
    if (now - leeway >= claims->exp)
        return GW_TOKEN_EXPIRED;
    if (claims->has_nbf && claims->nbf > now + leeway)
        return GW_TOKEN_NOT_YET_VALID;
    if (claims->has_iat && claims->iat > now + leeway)
        return GW_TOKEN_ISSUED_IN_FUTURE;
    return GW_TOKEN_OK;
}

int gw_claims_allow_database(const gw_claims *claims, const char *database)
{
    /* "*" never covers the system database: administration needs a token
     * that names it, which only clients marked admin can get. */
    if (claims->db_all && strcasecmp(database, "system") != 0)
        return 1;
    /* Neo4j compares database names without regard to case. */
    for (size_t i = 0; i < claims->n_db; i++) {
        if (strcasecmp(claims->db[i], database) == 0)
            return 1;
    }
    return 0;
}
