/* test_jwt.c - HS256 access tokens: issuing and strict verification (gw_jwt.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gw_base64.h"
#include "gw_jwt.h"

/* A frozen clock for tokens built by hand, whose exp is NOW + 900. */
#define NOW 1700000000LL

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEY_LEN 32
static const unsigned char other_key[] = "fedcba9876543210fedcba9876543210";

static const char header_hs256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
static const char payload_valid[] =
    "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"iat\":1700000000,\"exp\":1700000900,"
    "\"db\":[\"neo4j\"],\"mode\":\"read\"}";

static gw_jwt_verifier verifier_with(const unsigned char *k, size_t k_len)
{
    gw_jwt_verifier v;

    memset(&v, 0, sizeof v);
    v.key = k;
    v.key_len = k_len;
    v.rules.issuer = "gw-test";
    v.rules.audience = "api";
    v.rules.leeway_s = 30;
    v.max_token_bytes = 8192;
    return v;
}

static gw_token_err verify(const char *token, long long now)
{
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    return gw_jwt_verify(&v, token, strlen(token), now, &claims);
}

/* Returns the base64url encoding of `len` bytes in a new string. */
static char *encode_bytes(const void *bytes, size_t len)
{
    char *out = malloc(GW_BASE64_ENCODED_SIZE(len));

    assert_non_null(out);
    gw_base64url_encode(bytes, len, out);
    return out;
}

static char *encode_text(const char *text)
{
    return encode_bytes(text, strlen(text));
}

/* Returns "a.b.c" in a new string. */
static char *join3(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
    char *out = malloc(len);

    assert_non_null(out);
    snprintf(out, len, "%s.%s.%s", a, b, c);
    return out;
}

/* Returns the base64url HMAC-SHA256 of "header.payload" (both already
 * encoded) under `k`. */
static char *sign_segments(const char *header_b64, const char *payload_b64, const unsigned char *k, size_t k_len)
{
    size_t input_len = strlen(header_b64) + 1 + strlen(payload_b64);
    char *input = malloc(input_len + 1);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char *sig;

    assert_non_null(input);
    snprintf(input, input_len + 1, "%s.%s", header_b64, payload_b64);
    assert_non_null(HMAC(EVP_sha256(), k, (int)k_len, (const unsigned char *)input, input_len, mac, &mac_len));
    assert_int_equal(mac_len, 32);
    sig = encode_bytes(mac, mac_len);
    free(input);
    return sig;
}

/* Builds a signed token from already encoded segments. */
static char *token_from_segments(const char *header_b64, const char *payload_b64, const unsigned char *k,
                                 size_t k_len)
{
    char *sig = sign_segments(header_b64, payload_b64, k, k_len);
    char *token = join3(header_b64, payload_b64, sig);

    free(sig);
    return token;
}

/* Builds an HS256-signed token from header and payload JSON text. */
static char *make_token_with_key(const char *header, const char *payload, const unsigned char *k, size_t k_len)
{
    char *h = encode_text(header);
    char *p = encode_text(payload);
    char *token = token_from_segments(h, p, k, k_len);

    free(h);
    free(p);
    return token;
}

static char *make_token(const char *header, const char *payload)
{
    return make_token_with_key(header, payload, key, KEY_LEN);
}

/* Replaces the last character of a base64url segment that ends in a
 * partial group with the next one in the alphabet. The decoded bytes stay
 * the same for a lenient decoder, but a canonical encoder never writes it. */
static void set_trailing_bit(char *last)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *pos = strchr(alphabet, *last);

    assert_non_null(pos);
    *last = alphabet[(pos - alphabet) + 1];
}

static const char *const issue_databases[] = {"neo4j", "movies"};

static char *issue_at(long long now, const unsigned char *k, size_t k_len)
{
    gw_jwt_grant grant = {"app", issue_databases, 2, GW_MODE_WRITE, now, 900};

    return gw_jwt_issue(k, k_len, "gw-test", "api", &grant);
}

static void jwt_issue_verify_round_trip(void **state)
{
    long long now = (long long)time(NULL);
    char *token = issue_at(now, key, KEY_LEN);
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    (void)state;
    assert_non_null(token);
    assert_int_equal(gw_jwt_verify(&v, token, strlen(token), now, &claims), GW_TOKEN_OK);
    assert_string_equal(claims.sub, "app");
    assert_int_equal(claims.n_db, 2);
    assert_string_equal(claims.db[0], "neo4j");
    assert_string_equal(claims.db[1], "movies");
    assert_int_equal(claims.mode, GW_MODE_WRITE);
    assert_int_equal(claims.exp, now + 900);
    assert_int_equal(claims.iat, now);
    assert_int_equal(claims.nbf, now);
    assert_int_equal(strlen(claims.jti), 22);
    free(token);
}

static void jwt_issued_token_expires(void **state)
{
    char *token = issue_at(NOW, key, KEY_LEN);

    (void)state;
    assert_non_null(token);
    assert_int_equal(verify(token, NOW + 900 + 29), GW_TOKEN_OK);
    assert_int_equal(verify(token, NOW + 900 + 30), GW_TOKEN_EXPIRED);
    free(token);
}

static void jwt_issue_unique_jti(void **state)
{
    char *first = issue_at(NOW, key, KEY_LEN);
    char *second = issue_at(NOW, key, KEY_LEN);
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims a, b;

    (void)state;
    assert_non_null(first);
    assert_non_null(second);
    assert_int_equal(gw_jwt_verify(&v, first, strlen(first), NOW, &a), GW_TOKEN_OK);
    assert_int_equal(gw_jwt_verify(&v, second, strlen(second), NOW, &b), GW_TOKEN_OK);
    assert_string_not_equal(a.jti, b.jti);
    free(first);
    free(second);
}

static void jwt_issue_short_key(void **state)
{
    (void)state;
    assert_null(issue_at(NOW, key, GW_JWT_MIN_KEY_BYTES - 1));
    assert_null(issue_at(NOW, key, 0));
}

static void jwt_issue_min_key(void **state)
{
    char *token = issue_at(NOW, key, GW_JWT_MIN_KEY_BYTES);

    (void)state;
    assert_non_null(token);
    free(token);
}

/* libjwt's own decoder accepts what gw_jwt_issue writes. */
static void jwt_issue_libjwt_decodes(void **state)
{
    char *token = issue_at(NOW, key, KEY_LEN);
    jwt_t *decoded = NULL;
    char *databases;

    (void)state;
    assert_non_null(token);
    assert_int_equal(jwt_decode(&decoded, token, key, KEY_LEN), 0);
    assert_non_null(decoded);
    assert_int_equal(jwt_get_alg(decoded), JWT_ALG_HS256);
    assert_string_equal(jwt_get_grant(decoded, "iss"), "gw-test");
    assert_string_equal(jwt_get_grant(decoded, "aud"), "api");
    assert_string_equal(jwt_get_grant(decoded, "sub"), "app");
    assert_string_equal(jwt_get_grant(decoded, "mode"), "write");
    assert_int_equal(jwt_get_grant_int(decoded, "exp"), NOW + 900);
    databases = jwt_get_grants_json(decoded, "db");
    assert_non_null(databases);
    assert_string_equal(databases, "[\"neo4j\",\"movies\"]");
    free(databases);
    jwt_free(decoded);
    free(token);
}

static void jwt_issue_libjwt_other_key(void **state)
{
    char *token = issue_at(NOW, key, KEY_LEN);
    jwt_t *decoded = NULL;

    (void)state;
    assert_non_null(token);
    assert_int_not_equal(jwt_decode(&decoded, token, other_key, KEY_LEN), 0);
    jwt_free(decoded);
    free(token);
}

/* The hand-built tokens of this file are themselves valid, for both this
 * gateway and libjwt, so the rejections below test one change each. */
static void jwt_handmade_token_valid(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    jwt_t *decoded = NULL;

    (void)state;
    assert_int_equal(verify(token, NOW), GW_TOKEN_OK);
    assert_int_equal(jwt_decode(&decoded, token, key, KEY_LEN), 0);
    jwt_free(decoded);
    free(token);
}

/* The token is read up to `len` only, not up to a NUL. */
static void jwt_verify_uses_length(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    size_t len = strlen(token);
    char *padded = malloc(len + 4);
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    (void)state;
    assert_non_null(padded);
    memcpy(padded, token, len);
    memcpy(padded + len, ".xyz", 4);
    assert_int_equal(gw_jwt_verify(&v, padded, len, NOW, &claims), GW_TOKEN_OK);
    assert_int_equal(gw_jwt_verify(&v, padded, len + 4, NOW, &claims), GW_TOKEN_MALFORMED);
    free(padded);
    free(token);
}

static void jwt_tampered_signature(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    char *sig = strrchr(token, '.') + 1;

    (void)state;
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

static void jwt_signature_trailing_bits(void **state)
{
    char *token = make_token(header_hs256, payload_valid);

    (void)state;
    /* 32 bytes encode to 43 characters, so the last one has 2 unused bits. */
    set_trailing_bit(token + strlen(token) - 1);
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

static void jwt_signature_padded(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    size_t len = strlen(token);
    char *padded = malloc(len + 2);

    (void)state;
    assert_non_null(padded);
    memcpy(padded, token, len);
    memcpy(padded + len, "=", 2);
    assert_int_equal(verify(padded, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(padded);
    free(token);
}

/* Signatures of 16 and 33 bytes are valid base64url but not HS256. */
static void jwt_signature_wrong_length(void **state)
{
    unsigned char bytes[33] = {0};
    char *h = encode_text(header_hs256);
    char *p = encode_text(payload_valid);
    char *short_sig = encode_bytes(bytes, 16);
    char *long_sig = encode_bytes(bytes, 33);
    char *short_token = join3(h, p, short_sig);
    char *long_token = join3(h, p, long_sig);

    (void)state;
    assert_int_equal(verify(short_token, NOW), GW_TOKEN_BAD_SIGNATURE);
    assert_int_equal(verify(long_token, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(h);
    free(p);
    free(short_sig);
    free(long_sig);
    free(short_token);
    free(long_token);
}

/* The payload is swapped for one granting write, the signature kept. */
static void jwt_tampered_payload(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    char *h = encode_text(header_hs256);
    char *forged_payload = encode_text(
        "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"iat\":1700000000,\"exp\":1700000900,"
        "\"db\":[\"*\"],\"mode\":\"write\"}");
    char *forged = join3(h, forged_payload, strrchr(token, '.') + 1);

    (void)state;
    assert_int_equal(verify(forged, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
    free(h);
    free(forged_payload);
    free(forged);
}

static void jwt_tampered_header(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    char *forged_header = encode_text("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"cty\":\"x\"}");
    char *p = encode_text(payload_valid);
    char *forged = join3(forged_header, p, strrchr(token, '.') + 1);

    (void)state;
    assert_int_equal(verify(forged, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
    free(forged_header);
    free(p);
    free(forged);
}

static void jwt_other_key(void **state)
{
    char *token = make_token_with_key(header_hs256, payload_valid, other_key, KEY_LEN);

    (void)state;
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

/* A verifier with a short or missing key accepts nothing, even a token
 * signed with that very key. */
static void jwt_verify_short_key(void **state)
{
    char *token = make_token_with_key(header_hs256, payload_valid, key, GW_JWT_MIN_KEY_BYTES - 1);
    gw_jwt_verifier v = verifier_with(key, GW_JWT_MIN_KEY_BYTES - 1);
    gw_claims claims;

    (void)state;
    assert_int_equal(gw_jwt_verify(&v, token, strlen(token), NOW, &claims), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

static void jwt_verify_null_key(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    gw_jwt_verifier v = verifier_with(NULL, KEY_LEN);
    gw_claims claims;

    (void)state;
    assert_int_equal(gw_jwt_verify(&v, token, strlen(token), NOW, &claims), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

static void jwt_verify_empty_token(void **state)
{
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    (void)state;
    assert_int_equal(gw_jwt_verify(&v, "", 0, NOW, &claims), GW_TOKEN_MISSING);
}

static void jwt_verify_size_limit(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    size_t len = strlen(token);
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    (void)state;
    v.max_token_bytes = len;
    assert_int_equal(gw_jwt_verify(&v, token, len, NOW, &claims), GW_TOKEN_OK);
    v.max_token_bytes = len - 1;
    assert_int_equal(gw_jwt_verify(&v, token, len, NOW, &claims), GW_TOKEN_TOO_LARGE);
    free(token);
}

static void jwt_verify_oversized_garbage(void **state)
{
    size_t len = 9000;
    char *big = malloc(len);
    gw_jwt_verifier v = verifier_with(key, KEY_LEN);
    gw_claims claims;

    (void)state;
    assert_non_null(big);
    memset(big, 'A', len);
    assert_int_equal(gw_jwt_verify(&v, big, len, NOW, &claims), GW_TOKEN_TOO_LARGE);
    free(big);
}

/* Token layouts built from a valid token's segments: H, P and S stand for
 * its header, payload and signature. */
typedef struct layout_case {
    const char *name;
    const char *layout;
} layout_case;

static const layout_case malformed_layouts[] = {
    {"jwt_layout_no_dots", "HPS"},
    {"jwt_layout_one_dot", "H.P"},
    {"jwt_layout_four_segments", "H.P.S.S"},
    {"jwt_layout_trailing_dot", "H.P.S."},
    {"jwt_layout_empty_header", ".P.S"},
    {"jwt_layout_empty_payload", "H..S"},
    {"jwt_layout_empty_signature", "H.P."},
    {"jwt_layout_only_dots", ".."},
    {"jwt_layout_three_dots", "..."},
    {"jwt_layout_single_dot", "."},
    {"jwt_layout_no_payload", "H.S"},
};

static void jwt_layout_malformed(void **state)
{
    const layout_case *c = *state;
    char *token = make_token(header_hs256, payload_valid);
    char *dot1 = strchr(token, '.');
    char *dot2 = strrchr(token, '.');
    char text[2048] = "";

    *dot1 = '\0';
    *dot2 = '\0';
    for (const char *p = c->layout; *p; p++) {
        const char *part = *p == 'H' ? token : *p == 'P' ? dot1 + 1 : *p == 'S' ? dot2 + 1 : ".";

        assert_true(strlen(text) + strlen(part) < sizeof text);
        strcat(text, part);
    }
    assert_int_equal(verify(text, NOW), GW_TOKEN_MALFORMED);
    free(token);
}

/* Headers signed with the right key, so only the header decides. */
typedef struct header_case {
    const char *name;
    const char *header;
    gw_token_err expected;
} header_case;

static const header_case header_cases[] = {
    {"jwt_header_alg_none", "{\"alg\":\"none\",\"typ\":\"JWT\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_none_capital", "{\"alg\":\"None\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_hs384", "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_hs512", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_rs256", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_es256", "{\"alg\":\"ES256\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_lowercase", "{\"alg\":\"hs256\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_empty", "{\"alg\":\"\"}", GW_TOKEN_ALG_NOT_ALLOWED},
    {"jwt_header_alg_missing", "{\"typ\":\"JWT\"}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_alg_number", "{\"alg\":256}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_alg_array", "{\"alg\":[\"HS256\"]}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_crit", "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", GW_TOKEN_CRIT_UNSUPPORTED},
    {"jwt_header_crit_empty", "{\"alg\":\"HS256\",\"crit\":[]}", GW_TOKEN_CRIT_UNSUPPORTED},
    {"jwt_header_duplicate_alg", "{\"alg\":\"HS256\",\"alg\":\"none\"}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_duplicate_alg_same", "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_typ_lowercase", "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", GW_TOKEN_OK},
    {"jwt_header_typ_absent", "{\"alg\":\"HS256\"}", GW_TOKEN_OK},
    {"jwt_header_typ_other", "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_typ_number", "{\"alg\":\"HS256\",\"typ\":1}", GW_TOKEN_BAD_HEADER},
    {"jwt_header_kid_unknown", "{\"alg\":\"HS256\",\"kid\":\"k1\"}", GW_TOKEN_UNKNOWN_KID},
    {"jwt_header_array", "[\"HS256\"]", GW_TOKEN_BAD_HEADER},
    {"jwt_header_not_json", "alg=HS256", GW_TOKEN_BAD_HEADER},
    {"jwt_header_truncated", "{\"alg\":\"HS256\"", GW_TOKEN_BAD_HEADER},
    {"jwt_header_empty_object", "{}", GW_TOKEN_BAD_HEADER},
};

static void jwt_header_case(void **state)
{
    const header_case *c = *state;
    char *token = make_token(c->header, payload_valid);

    assert_int_equal(verify(token, NOW), c->expected);
    free(token);
}

/* alg "none" with no signature at all: rejected either for the algorithm
 * or for the empty third segment, never accepted. */
static void jwt_alg_none_unsigned(void **state)
{
    char *h = encode_text("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    char *p = encode_text(payload_valid);
    char *token = join3(h, p, "");
    gw_token_err rc = verify(token, NOW);

    (void)state;
    assert_int_not_equal(rc, GW_TOKEN_OK);
    assert_true(rc == GW_TOKEN_ALG_NOT_ALLOWED || rc == GW_TOKEN_MALFORMED);
    free(h);
    free(p);
    free(token);
}

/* Payloads under a valid header and signature, so only the claims decide. */
typedef struct payload_case {
    const char *name;
    const char *payload;
    gw_token_err expected;
} payload_case;

static const payload_case payload_cases[] = {
    {"jwt_payload_missing_exp",
     "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"db\":[\"neo4j\"],\"mode\":\"read\"}",
     GW_TOKEN_MISSING_EXP},
    {"jwt_payload_expired",
     "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"exp\":1699999970,\"db\":[\"neo4j\"],\"mode\":\"read\"}",
     GW_TOKEN_EXPIRED},
    {"jwt_payload_not_yet_valid",
     "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"nbf\":1700000120,\"exp\":1700000900,"
     "\"db\":[\"neo4j\"],\"mode\":\"read\"}",
     GW_TOKEN_NOT_YET_VALID},
    {"jwt_payload_wrong_issuer",
     "{\"iss\":\"other\",\"aud\":\"api\",\"sub\":\"app\",\"exp\":1700000900,\"db\":[\"neo4j\"],\"mode\":\"read\"}",
     GW_TOKEN_WRONG_ISSUER},
    {"jwt_payload_wrong_audience",
     "{\"iss\":\"gw-test\",\"aud\":\"web\",\"sub\":\"app\",\"exp\":1700000900,\"db\":[\"neo4j\"],\"mode\":\"read\"}",
     GW_TOKEN_WRONG_AUDIENCE},
    {"jwt_payload_duplicate_mode",
     "{\"iss\":\"gw-test\",\"aud\":\"api\",\"sub\":\"app\",\"exp\":1700000900,\"db\":[\"neo4j\"],"
     "\"mode\":\"read\",\"mode\":\"write\"}",
     GW_TOKEN_BAD_CLAIMS},
    {"jwt_payload_array", "[1,2,3]", GW_TOKEN_BAD_CLAIMS},
    {"jwt_payload_not_json", "exp=1700000900", GW_TOKEN_BAD_CLAIMS},
    {"jwt_payload_empty", "", GW_TOKEN_MALFORMED},
};

static void jwt_payload_case(void **state)
{
    const payload_case *c = *state;
    char *token = make_token(header_hs256, c->payload);

    assert_int_equal(verify(token, NOW), c->expected);
    free(token);
}

/* Each segment in a form a lenient decoder would accept, signed over the
 * exact text so the signature itself is valid. The header has 28 bytes,
 * which encode to 38 characters: a partial group of 2. */
static const char header_28_bytes[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"} ";

static void jwt_header_trailing_bits(void **state)
{
    char *h = encode_text(header_28_bytes);
    char *p = encode_text(payload_valid);
    char *token;

    (void)state;
    assert_int_equal(strlen(h) % 4, 2);
    set_trailing_bit(h + strlen(h) - 1);
    token = token_from_segments(h, p, key, KEY_LEN);
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_HEADER);
    free(h);
    free(p);
    free(token);
}

static void jwt_header_padded(void **state)
{
    char *h = encode_text(header_28_bytes);
    char *p = encode_text(payload_valid);
    size_t len = strlen(h);
    char *padded = malloc(len + 4);
    char *token;

    (void)state;
    assert_non_null(padded);
    memcpy(padded, h, len + 1);
    while (strlen(padded) % 4 != 0)
        strcat(padded, "=");
    assert_true(strlen(padded) > len);
    token = token_from_segments(padded, p, key, KEY_LEN);
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_HEADER);
    free(h);
    free(p);
    free(padded);
    free(token);
}

static void jwt_payload_trailing_bits(void **state)
{
    char payload[512];
    char *h = encode_text(header_hs256);
    char *p;
    char *token;

    (void)state;
    /* Pad with spaces until the encoding ends in a partial group. */
    snprintf(payload, sizeof payload, "%s", payload_valid);
    while (strlen(payload) % 3 == 0)
        strcat(payload, " ");
    p = encode_text(payload);
    set_trailing_bit(p + strlen(p) - 1);
    token = token_from_segments(h, p, key, KEY_LEN);
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_CLAIMS);
    free(h);
    free(p);
    free(token);
}

/* The signature's '-' or '_' is replaced by its standard-alphabet twin
 * '+' or '/', which a decoder accepting both alphabets maps to the same
 * bits. */
static void jwt_segment_std_alphabet(void **state)
{
    char *token = make_token(header_hs256, payload_valid);
    char *sig = strrchr(token, '.') + 1;
    char *url_char = strpbrk(sig, "-_");

    (void)state;
    /* Vary the payload until the signature contains '-' or '_'. */
    for (int i = 0; !url_char && i < 64; i++) {
        char payload[512];

        free(token);
        snprintf(payload, sizeof payload, "%.*s,\"n\":%d}", (int)strlen(payload_valid) - 1, payload_valid, i);
        token = make_token(header_hs256, payload);
        sig = strrchr(token, '.') + 1;
        url_char = strpbrk(sig, "-_");
    }
    assert_non_null(url_char);
    *url_char = *url_char == '-' ? '+' : '/';
    assert_int_equal(verify(token, NOW), GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

/* RFC 7515 Appendix A.1: an HS256 JWS with a 64-byte key. Its payload has
 * iss "joe" and no aud, so the claims fail, but only after the signature
 * was accepted. */
static const char rfc7515_a1_token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc7515_a1_key_b64[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

static gw_token_err verify_rfc7515_a1(const char *token, const char *issuer)
{
    unsigned char rfc_key[64];
    size_t rfc_key_len = 0;
    gw_jwt_verifier v;
    gw_claims claims;

    assert_int_equal(gw_base64url_decode(rfc7515_a1_key_b64, strlen(rfc7515_a1_key_b64), rfc_key,
                                         sizeof rfc_key, &rfc_key_len), 0);
    assert_int_equal(rfc_key_len, 64);
    v = verifier_with(rfc_key, rfc_key_len);
    v.rules.issuer = issuer;
    return gw_jwt_verify(&v, token, strlen(token), 1300819300, &claims);
}

static void jwt_rfc7515_a1_wrong_issuer(void **state)
{
    gw_token_err rc = verify_rfc7515_a1(rfc7515_a1_token, "gw-test");

    (void)state;
    assert_int_not_equal(rc, GW_TOKEN_BAD_SIGNATURE);
    assert_int_equal(rc, GW_TOKEN_WRONG_ISSUER);
}

static void jwt_rfc7515_a1_no_audience(void **state)
{
    gw_token_err rc = verify_rfc7515_a1(rfc7515_a1_token, "joe");

    (void)state;
    assert_int_not_equal(rc, GW_TOKEN_BAD_SIGNATURE);
    assert_int_equal(rc, GW_TOKEN_WRONG_AUDIENCE);
}

static void jwt_rfc7515_a1_tampered(void **state)
{
    char token[sizeof rfc7515_a1_token];

    (void)state;
    memcpy(token, rfc7515_a1_token, sizeof token);
    token[sizeof token - 10] = token[sizeof token - 10] == 'A' ? 'B' : 'A';
    assert_int_equal(verify_rfc7515_a1(token, "joe"), GW_TOKEN_BAD_SIGNATURE);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, jwt_issue_verify_round_trip);
    UNIT_ADD(&list, jwt_issued_token_expires);
    UNIT_ADD(&list, jwt_issue_unique_jti);
    UNIT_ADD(&list, jwt_issue_short_key);
    UNIT_ADD(&list, jwt_issue_min_key);
    UNIT_ADD(&list, jwt_issue_libjwt_decodes);
    UNIT_ADD(&list, jwt_issue_libjwt_other_key);
    UNIT_ADD(&list, jwt_handmade_token_valid);
    UNIT_ADD(&list, jwt_verify_uses_length);
    UNIT_ADD(&list, jwt_tampered_signature);
    UNIT_ADD(&list, jwt_signature_trailing_bits);
    UNIT_ADD(&list, jwt_signature_padded);
    UNIT_ADD(&list, jwt_signature_wrong_length);
    UNIT_ADD(&list, jwt_tampered_payload);
    UNIT_ADD(&list, jwt_tampered_header);
    UNIT_ADD(&list, jwt_other_key);
    UNIT_ADD(&list, jwt_verify_short_key);
    UNIT_ADD(&list, jwt_verify_null_key);
    UNIT_ADD(&list, jwt_verify_empty_token);
    UNIT_ADD(&list, jwt_verify_size_limit);
    UNIT_ADD(&list, jwt_verify_oversized_garbage);
    UNIT_ADD_ROWS(&list, malformed_layouts, jwt_layout_malformed);
    UNIT_ADD_ROWS(&list, header_cases, jwt_header_case);
    UNIT_ADD(&list, jwt_alg_none_unsigned);
    UNIT_ADD_ROWS(&list, payload_cases, jwt_payload_case);
    UNIT_ADD(&list, jwt_header_trailing_bits);
    UNIT_ADD(&list, jwt_header_padded);
    UNIT_ADD(&list, jwt_payload_trailing_bits);
    UNIT_ADD(&list, jwt_segment_std_alphabet);
    UNIT_ADD(&list, jwt_rfc7515_a1_wrong_issuer);
    UNIT_ADD(&list, jwt_rfc7515_a1_no_audience);
    UNIT_ADD(&list, jwt_rfc7515_a1_tampered);
    return unit_run("jwt", &list);
}
