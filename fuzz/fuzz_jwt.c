/*
 * fuzz_jwt.c - libFuzzer harness for access-token verification and claims.
 *
 * Each input is used three ways:
 *   1. as a token for gw_jwt_verify, which a random input reaches only as
 *      far as the header and signature checks;
 *   2. re-signed: when it has at least two dots, the text before the second
 *      dot gets a valid HS256 signature under the fuzzing key, so the
 *      payload decoder and the claims checks run on mutated segments;
 *   3. as JSON claims: gw_claims_parse and gw_claims_check_time run on it
 *      directly, and the same bytes are wrapped into a signed token, whose
 *      verification must give the same result (a differential check).
 *
 * Every token goes through two verifiers that must agree. The plain one has
 * only the 48-byte HS256 key. The full one, like the daemon's, also has
 * precomputed HMAC states, a token cache and an ES256 and an RS256 public
 * key chosen by "kid". The cache is new for each input, and the full
 * verifier checks each token twice, so the second call is a cache hit when
 * the first passed. No input can carry a valid ES256 or RS256 signature, so
 * the public keys may change a rejection reason but must never turn a
 * rejection into acceptance (algorithm confusion).
 */
#include "fuzz.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "gw_base64.h"
#include "gw_jwt.h"

#define NOW 1700000000LL
#define MAX_TOKEN_BYTES 8192
#define SIG_BYTES 32
#define CACHE_CAPACITY 16

/* 48 bytes: longer than GW_JWT_MIN_KEY_BYTES, as a deployment key would be. */
static const unsigned char key[] = "cypher-gateway-fuzz-key-000000000000000000000000";
_Static_assert(sizeof key - 1 == 48, "the fuzzing key must be 48 bytes");

/* base64url of {"alg":"HS256","typ":"JWT"}, the header libjwt 1.10 writes. */
static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static gw_jwt_public_key public_keys[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Generates a key pair and loads its public half through
 * gw_jwt_public_key_load, as the daemon loads configured keys. */
static EVP_PKEY *load_generated_key(EVP_PKEY *pair, gw_jwt_alg alg)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len;
    EVP_PKEY *loaded = NULL;
    gw_error_detail err;

    FUZZ_CHECK(pair != NULL && bio != NULL);
    FUZZ_CHECK(PEM_write_bio_PUBKEY(bio, pair) == 1);
    pem_len = BIO_get_mem_data(bio, &pem);
    FUZZ_CHECK(gw_jwt_public_key_load(pem, (size_t)pem_len, alg, &loaded, &err) == GW_OK);
    BIO_free(bio);
    EVP_PKEY_free(pair);
    return loaded;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    public_keys[0].kid = "ec-1";
    public_keys[0].alg = GW_JWT_ES256;
    public_keys[0].pkey = load_generated_key(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), GW_JWT_ES256);
    public_keys[1].kid = "rsa-1";
    public_keys[1].alg = GW_JWT_RS256;
    public_keys[1].pkey = load_generated_key(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), GW_JWT_RS256);
    return 0;
}

static gw_jwt_verifier make_verifier(gw_jwt_cache *cache)
{
    gw_jwt_verifier v;

    memset(&v, 0, sizeof v);
    v.key = key;
    v.key_len = sizeof key - 1;
    v.rules.issuer = "cypher-gateway";
    v.rules.audience = "cypher-gateway";
    v.rules.leeway_s = 30;
    v.max_token_bytes = MAX_TOKEN_BYTES;
    if (cache) {
        gw_jwt_verifier_prepare(&v);
        v.cache = cache;
        v.public_keys = public_keys;
        v.n_public_keys = sizeof public_keys / sizeof public_keys[0];
    }
    return v;
}

/* Compares field by field: struct padding may differ after a copy. */
static int claims_equal(const gw_claims *a, const gw_claims *b)
{
    if (strcmp(a->sub, b->sub) != 0 || strcmp(a->jti, b->jti) != 0 || a->n_db != b->n_db ||
        a->db_all != b->db_all || a->mode != b->mode || a->has_exp != b->has_exp || a->has_nbf != b->has_nbf ||
        a->has_iat != b->has_iat || a->exp != b->exp || (a->has_nbf && a->nbf != b->nbf) ||
        (a->has_iat && a->iat != b->iat))
        return 0;
    for (size_t i = 0; i < a->n_db; i++) {
        if (strcmp(a->db[i], b->db[i]) != 0)
            return 0;
    }
    return 1;
}

static void check_result(gw_token_err rc, const gw_claims *claims, const gw_claims_rules *rules)
{
    /* gw_token_err_name returns "invalid" only for a value outside the enum. */
    FUZZ_CHECK(strcmp(gw_token_err_name(rc), "invalid") != 0);
    FUZZ_CHECK(gw_token_strerror(rc) != NULL);
    if (rc != GW_TOKEN_OK)
        return;

    FUZZ_CHECK(claims->has_exp && claims->exp > NOW - rules->leeway_s);
    FUZZ_CHECK(!claims->has_nbf || claims->nbf <= NOW + rules->leeway_s);
    FUZZ_CHECK(!claims->has_iat || claims->iat <= NOW + rules->leeway_s);
    FUZZ_CHECK(fuzz_terminated(claims->sub, sizeof claims->sub) && claims->sub[0] != '\0');
    FUZZ_CHECK(fuzz_terminated(claims->jti, sizeof claims->jti));
    FUZZ_CHECK(claims->n_db >= 1 && claims->n_db <= GW_CLAIMS_MAX_DB);
    FUZZ_CHECK(claims->mode == GW_MODE_READ || claims->mode == GW_MODE_WRITE);

    int saw_all = 0, saw_system = 0;

    for (size_t i = 0; i < claims->n_db; i++) {
        FUZZ_CHECK(fuzz_terminated(claims->db[i], sizeof claims->db[i]));
        if (strcmp(claims->db[i], "*") == 0)
            saw_all = 1;
        else
            FUZZ_CHECK(gw_database_name_valid(claims->db[i]));
        if (strcmp(claims->db[i], "system") == 0)
            saw_system = 1;
        FUZZ_CHECK(gw_claims_allow_database(claims, claims->db[i]));
    }
    FUZZ_CHECK(claims->db_all == saw_all);
    /* "*" never includes the system database, so a token must name it. */
    FUZZ_CHECK(gw_claims_allow_database(claims, "system") == saw_system);
}

/* Verifies `token` with the plain verifier and with `full`, checks that
 * they agree, and returns the plain verifier's result and claims. */
static gw_token_err verify_both(const gw_jwt_verifier *full, const char *token, size_t len, gw_claims *out)
{
    gw_jwt_verifier plain = make_verifier(NULL);
    gw_claims first, again;
    gw_token_err rc, rc_full, rc_again;

    rc = gw_jwt_verify(&plain, token, len, NOW, out);
    check_result(rc, out, &plain.rules);
    rc_full = gw_jwt_verify(full, token, len, NOW, &first);
    check_result(rc_full, &first, &full->rules);
    if (rc == GW_TOKEN_UNKNOWN_KID) {
        FUZZ_CHECK(rc_full != GW_TOKEN_OK);
    } else {
        FUZZ_CHECK(rc_full == rc);
        if (rc == GW_TOKEN_OK)
            FUZZ_CHECK(claims_equal(out, &first));
    }

    rc_again = gw_jwt_verify(full, token, len, NOW, &again);
    FUZZ_CHECK(rc_again == rc_full);
    if (rc_again == GW_TOKEN_OK)
        FUZZ_CHECK(claims_equal(&first, &again));
    return rc;
}

/* Returns a new token made of `signing_input` ("header.payload"), a dot and
 * its HS256 signature under the fuzzing key. */
static char *sign(const char *signing_input, size_t len, size_t *token_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char *token = malloc(len + 1 + GW_BASE64_ENCODED_SIZE(SIG_BYTES));

    if (!token)
        abort();
    if (!HMAC(EVP_sha256(), key, (int)(sizeof key - 1), (const unsigned char *)signing_input, len, mac,
              &mac_len) ||
        mac_len != SIG_BYTES)
        abort();
    memcpy(token, signing_input, len);
    token[len] = '.';
    *token_len = len + 1 + gw_base64url_encode(mac, SIG_BYTES, token + len + 1);
    return token;
}

static void verify_resigned(const gw_jwt_verifier *full, const uint8_t *data, size_t size)
{
    const uint8_t *dot1 = memchr(data, '.', size);
    const uint8_t *dot2;
    char *token;
    size_t token_len = 0;
    gw_claims claims;
    gw_token_err rc;

    if (!dot1)
        return;
    dot2 = memchr(dot1 + 1, '.', size - (size_t)(dot1 + 1 - data));
    if (!dot2)
        return;

    token = sign((const char *)data, (size_t)(dot2 - data), &token_len);
    rc = verify_both(full, token, token_len, &claims);
    /* The plain verifier has no public keys, and the HS256 signature is
     * valid by construction, so no signature can be found wrong. */
    FUZZ_CHECK(rc != GW_TOKEN_BAD_SIGNATURE);
    free(token);
}

static void check_claims_json(const gw_jwt_verifier *full, const uint8_t *data, size_t size)
{
    /* The flags decode_json_segment in src/jwt.c uses for token segments. */
    json_t *payload = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    gw_jwt_verifier plain = make_verifier(NULL);
    gw_claims direct, via_token;
    gw_token_err expected, rc;
    char *signing_input, *token;
    size_t header_len = sizeof header_b64 - 1, input_len, token_len = 0;

    expected = gw_claims_parse(payload, &plain.rules, &direct);
    if (expected == GW_TOKEN_OK)
        expected = gw_claims_check_time(&direct, &plain.rules, NOW);
    if (!payload)
        expected = GW_TOKEN_BAD_CLAIMS; /* what gw_jwt_verify reports for unparsable JSON */
    check_result(expected, &direct, &plain.rules);
    json_decref(payload);

    if (size == 0)
        return; /* an empty payload segment makes the token malformed */
    signing_input = malloc(header_len + 1 + GW_BASE64_ENCODED_SIZE(size));
    if (!signing_input)
        abort();
    memcpy(signing_input, header_b64, header_len);
    signing_input[header_len] = '.';
    input_len = header_len + 1 + gw_base64url_encode(data, size, signing_input + header_len + 1);
    token = sign(signing_input, input_len, &token_len);

    rc = verify_both(full, token, token_len, &via_token);
    if (token_len > MAX_TOKEN_BYTES) {
        FUZZ_CHECK(rc == GW_TOKEN_TOO_LARGE);
    } else {
        FUZZ_CHECK(rc == expected);
        if (rc == GW_TOKEN_OK)
            FUZZ_CHECK(claims_equal(&direct, &via_token));
    }
    free(token);
    free(signing_input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_jwt_cache *cache = gw_jwt_cache_new(CACHE_CAPACITY);
    gw_jwt_verifier full;
    gw_claims claims;

    if (!cache)
        abort();
    full = make_verifier(cache);

    verify_both(&full, (const char *)data, size, &claims);
    verify_resigned(&full, data, size);
    check_claims_json(&full, data, size);

    gw_jwt_verifier_wipe(&full);
    gw_jwt_cache_free(cache);
    return 0;
}
