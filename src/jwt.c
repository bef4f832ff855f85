/* jwt.c - HS256 token verification and issuing (see gw_jwt.h). */
#include "gw_jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "gw_base64.h"

#define HS256_SIG_BYTES 32

/* Decodes one base64url segment holding a JSON object. New reference. */
static json_t *decode_json_segment(const char *seg, size_t len)
{
    unsigned char stack_buf[1024];
    unsigned char *buf = stack_buf;
    size_t cap = GW_BASE64_DECODED_MAX(len);
    size_t out_len = 0;
    json_t *value = NULL;

    if (cap > sizeof stack_buf) {
        buf = malloc(cap);
        if (!buf)
            return NULL;
    }
    if (gw_base64url_decode(seg, len, buf, cap, &out_len) == 0) {
        /* Duplicate keys are rejected: {"alg":"HS256","alg":"none"} must
         * not mean different things to different parsers. */
        value = json_loadb((const char *)buf, out_len, JSON_REJECT_DUPLICATES, NULL);
        if (value && !json_is_object(value)) {
            json_decref(value);
            value = NULL;
        }
    }
    if (buf != stack_buf)
        free(buf);
    return value;
}

static gw_token_err check_header(const json_t *header)
{
    const json_t *alg, *typ;

    alg = json_object_get(header, "alg");
    if (!json_is_string(alg))
        return GW_TOKEN_BAD_HEADER;
    /* Algorithm pinning: anything but HS256, "none" included, is refused
     * whatever the key. */
    if (strcmp(json_string_value(alg), "HS256") != 0)
        return GW_TOKEN_ALG_NOT_ALLOWED;
    typ = json_object_get(header, "typ");
    if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        return GW_TOKEN_BAD_HEADER;
    /* RFC 7515 4.1.11: unknown critical extensions must be rejected, and we
     * implement none. */
    if (json_object_get(header, "crit"))
        return GW_TOKEN_CRIT_UNSUPPORTED;
    return GW_TOKEN_OK;
}

gw_token_err gw_jwt_verify(const gw_jwt_verifier *verifier, const char *token, size_t len,
                           long long now, gw_claims *out)
{
    const char *dot1, *dot2;
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int expected_len = 0;
    unsigned char given[HS256_SIG_BYTES + 3];
    size_t given_len = 0;
    json_t *header = NULL, *payload = NULL;
    gw_token_err rc = GW_TOKEN_MALFORMED;

    if (len == 0)
        return GW_TOKEN_MISSING;
    if (len > verifier->max_token_bytes)
        return GW_TOKEN_TOO_LARGE;
    if (!verifier->key || verifier->key_len < GW_JWT_MIN_KEY_BYTES)
        return GW_TOKEN_BAD_SIGNATURE; /* never verify against a missing key */

    dot1 = memchr(token, '.', len);
    if (!dot1)
        goto out;
    dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        goto out;
    if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + len)
        goto out;

    header = decode_json_segment(token, (size_t)(dot1 - token));
    if (!header) {
        rc = GW_TOKEN_BAD_HEADER;
        goto out;
    }
    rc = check_header(header);
    if (rc != GW_TOKEN_OK)
        goto out;

    /* The signature is checked before the payload is parsed, so forged
     * tokens cost one HMAC and no JSON work. */
    if (gw_base64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), given, sizeof given, &given_len) != 0 ||
        given_len != HS256_SIG_BYTES) {
        rc = GW_TOKEN_BAD_SIGNATURE;
        goto out;
    }
    if (!HMAC(EVP_sha256(), verifier->key, (int)verifier->key_len, (const unsigned char *)token,
              (size_t)(dot2 - token), expected, &expected_len) ||
        expected_len != HS256_SIG_BYTES || CRYPTO_memcmp(expected, given, HS256_SIG_BYTES) != 0) {
        rc = GW_TOKEN_BAD_SIGNATURE;
        goto out;
    }

    payload = decode_json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!payload) {
        rc = GW_TOKEN_BAD_CLAIMS;
        goto out;
    }
    rc = gw_claims_parse(payload, &verifier->rules, out);
    if (rc != GW_TOKEN_OK)
        goto out;
    rc = gw_claims_check_time(out, &verifier->rules, now);

out:
    json_decref(header);
    json_decref(payload);
    return rc;
}

char *gw_jwt_issue(const unsigned char *key, size_t key_len, const char *issuer,
                   const char *audience, const gw_jwt_grant *grant)
{
    jwt_t *jwt = NULL;
    json_t *extra = NULL, *dbs = NULL;
    char *extra_text = NULL;
    char *token = NULL;
    unsigned char jti_bytes[16];
    char jti[GW_BASE64_ENCODED_SIZE(sizeof jti_bytes)];

    if (key_len < GW_JWT_MIN_KEY_BYTES || RAND_bytes(jti_bytes, sizeof jti_bytes) != 1)
        goto out;
    gw_base64url_encode(jti_bytes, sizeof jti_bytes, jti);

    dbs = json_array();
    if (!dbs)
        goto out;
    for (size_t i = 0; i < grant->n_databases; i++) {
        if (json_array_append_new(dbs, json_string(grant->databases[i])) != 0)
            goto out;
    }
    extra = json_pack("{s:O, s:s}", "db", dbs, "mode", gw_mode_name(grant->mode));
    if (!extra)
        goto out;
    extra_text = json_dumps(extra, JSON_COMPACT);
    if (!extra_text)
        goto out;

    if (jwt_new(&jwt) != 0)
        goto out;
    if (jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)key_len) != 0 ||
        jwt_add_grant(jwt, "iss", issuer) != 0 ||
        jwt_add_grant(jwt, "aud", audience) != 0 ||
        jwt_add_grant(jwt, "sub", grant->subject) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)grant->now) != 0 ||
        jwt_add_grant_int(jwt, "nbf", (long)grant->now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)(grant->now + grant->ttl_s)) != 0 ||
        jwt_add_grant(jwt, "jti", jti) != 0 ||
        jwt_add_grants_json(jwt, extra_text) != 0)
        goto out;
    token = jwt_encode_str(jwt);

out:
    jwt_free(jwt); /* libjwt 1.10 zeroes its copy of the key here */
    free(extra_text);
    json_decref(extra);
    json_decref(dbs);
    return token;
}
