/* jwt.c - HS256 token verification and issuing (see gw_jwt.h). */

/* The low-level SHA256_* functions are deprecated in OpenSSL 3.0 but still
 * shipped; they let HMAC reuse precomputed key states without the EVP
 * provider lookups, which cost more than the hash of a token. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "gw_jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "gw_base64.h"

#define HS256_SIG_BYTES 32
/* Room for RSA signatures up to 8192-bit keys. */
#define SIG_MAX_BYTES 1026

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

int gw_jwt_alg_parse(const char *name, gw_jwt_alg *out)
{
    if (strcmp(name, "HS256") == 0)
        *out = GW_JWT_HS256;
    else if (strcmp(name, "RS256") == 0)
        *out = GW_JWT_RS256;
    else if (strcmp(name, "ES256") == 0)
        *out = GW_JWT_ES256;
    else
        return -1;
    return 0;
}

const char *gw_jwt_alg_name(gw_jwt_alg alg)
{
    switch (alg) {
    case GW_JWT_HS256: return "HS256";
    case GW_JWT_RS256: return "RS256";
    case GW_JWT_ES256: return "ES256";
    }
    return "none";
}

gw_err gw_jwt_public_key_load(const char *pem, size_t len, gw_jwt_alg alg, EVP_PKEY **out, gw_error_detail *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = NULL;
    gw_err rc = GW_ERR_CONFIG;

    *out = NULL;
    if (!bio)
        return GW_ERR_NOMEM;
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey) {
        ERR_clear_error();
        return gw_error_set(err, GW_ERR_CONFIG, "the key is not a PEM public key (-----BEGIN PUBLIC KEY-----); "
                                                "export it with 'openssl pkey -pubout'");
    }
    switch (alg) {
    case GW_JWT_RS256:
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pkey) < 2048) {
            gw_error_set(err, rc, "RS256 needs an RSA public key of at least 2048 bits");
            goto out;
        }
        break;
    case GW_JWT_ES256: {
        char group[64] = "";
        size_t group_len = 0;

        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
            !EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof group, &group_len) ||
            strcmp(group, "prime256v1") != 0) {
            gw_error_set(err, rc, "ES256 needs an EC public key on curve P-256 (prime256v1)");
            goto out;
        }
        break;
    }
    case GW_JWT_HS256:
        gw_error_set(err, rc, "HS256 uses jwt.signing_key, not a public key");
        goto out;
    }
    *out = pkey;
    pkey = NULL;
    rc = GW_OK;

out:
    EVP_PKEY_free(pkey);
    return rc;
}

static gw_token_err check_header(const json_t *header)
{
    const json_t *alg, *typ;

    alg = json_object_get(header, "alg");
    if (!json_is_string(alg))
        return GW_TOKEN_BAD_HEADER;
    typ = json_object_get(header, "typ");
    if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        return GW_TOKEN_BAD_HEADER;
    /* RFC 7515 4.1.11: unknown critical extensions must be rejected, and we
     * implement none. */
    if (json_object_get(header, "crit"))
        return GW_TOKEN_CRIT_UNSUPPORTED;
    return GW_TOKEN_OK;
}

/* JWS carries ECDSA signatures as r || s (RFC 7518 3.4); OpenSSL wants DER. */
static int es256_to_der(const unsigned char *sig, unsigned char *der, size_t cap, size_t *der_len)
{
    ECDSA_SIG *ecdsa = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *p = der;
    int n = -1;

    if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(ecdsa);
        return -1;
    }
    if (i2d_ECDSA_SIG(ecdsa, NULL) <= (int)cap)
        n = i2d_ECDSA_SIG(ecdsa, &p);
    ECDSA_SIG_free(ecdsa);
    if (n <= 0)
        return -1;
    *der_len = (size_t)n;
    return 0;
}

static int verify_public(const gw_jwt_public_key *key, const unsigned char *input, size_t input_len,
                         const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = 0;
    int ok = 0;

    if (!ctx)
        return 0;
    if (key->alg == GW_JWT_ES256) {
        if (sig_len != 64 || es256_to_der(sig, der, sizeof der, &der_len) != 0)
            goto out;
        sig = der;
        sig_len = der_len;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
        goto out;
    }
    ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
         EVP_DigestVerify(ctx, sig, sig_len, input, input_len) == 1;

out:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return ok;
}

void gw_jwt_verifier_prepare(gw_jwt_verifier *verifier)
{
    unsigned char block[64];
    unsigned char pad[64];

    memset(&verifier->hmac, 0, sizeof verifier->hmac);
    if (!verifier->key || verifier->key_len < GW_JWT_MIN_KEY_BYTES)
        return;
    /* RFC 2104: keys longer than the block are hashed first. */
    memset(block, 0, sizeof block);
    if (verifier->key_len > sizeof block)
        SHA256(verifier->key, verifier->key_len, block);
    else
        memcpy(block, verifier->key, verifier->key_len);

    for (size_t i = 0; i < sizeof block; i++)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&verifier->hmac.inner);
    SHA256_Update(&verifier->hmac.inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof block; i++)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&verifier->hmac.outer);
    SHA256_Update(&verifier->hmac.outer, pad, sizeof pad);
    verifier->hmac.ready = 1;

    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}

void gw_jwt_verifier_wipe(gw_jwt_verifier *verifier)
{
    OPENSSL_cleanse(&verifier->hmac, sizeof verifier->hmac);
}

static int verify_hs256(const gw_jwt_verifier *verifier, const unsigned char *input, size_t input_len,
                        const unsigned char *sig, size_t sig_len)
{
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int expected_len = 0;
    int match;

    /* Never verify against a missing or short key. */
    if (!verifier->key || verifier->key_len < GW_JWT_MIN_KEY_BYTES || sig_len != HS256_SIG_BYTES)
        return 0;
    if (verifier->hmac.ready) {
        SHA256_CTX ctx = verifier->hmac.inner;
        unsigned char inner_hash[SHA256_DIGEST_LENGTH];

        SHA256_Update(&ctx, input, input_len);
        SHA256_Final(inner_hash, &ctx);
        ctx = verifier->hmac.outer;
        SHA256_Update(&ctx, inner_hash, sizeof inner_hash);
        SHA256_Final(expected, &ctx);
        OPENSSL_cleanse(&ctx, sizeof ctx);
    } else if (!HMAC(EVP_sha256(), verifier->key, (int)verifier->key_len, input, input_len, expected,
                     &expected_len) || expected_len != HS256_SIG_BYTES) {
        return 0;
    }
    match = CRYPTO_memcmp(expected, sig, HS256_SIG_BYTES) == 0;
    OPENSSL_cleanse(expected, sizeof expected);
    return match;
}

/* Checks the signature with the key the header selects. */
static gw_token_err check_signature(const gw_jwt_verifier *verifier, const json_t *header, const char *token,
                                    size_t input_len, const char *sig_text, size_t sig_text_len)
{
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const json_t *kid = json_object_get(header, "kid");
    unsigned char sig[SIG_MAX_BYTES];
    size_t sig_len = 0;

    if (gw_base64url_decode(sig_text, sig_text_len, sig, sizeof sig, &sig_len) != 0)
        return GW_TOKEN_BAD_SIGNATURE;

    if (!kid) {
        /* Algorithm pinning: without kid only HS256 with our own key. */
        if (strcmp(alg, "HS256") != 0)
            return GW_TOKEN_ALG_NOT_ALLOWED;
        return verify_hs256(verifier, (const unsigned char *)token, input_len, sig, sig_len)
                   ? GW_TOKEN_OK : GW_TOKEN_BAD_SIGNATURE;
    }
    if (!json_is_string(kid))
        return GW_TOKEN_BAD_HEADER;
    for (size_t i = 0; i < verifier->n_public_keys; i++) {
        const gw_jwt_public_key *key = &verifier->public_keys[i];

        if (strcmp(key->kid, json_string_value(kid)) != 0)
            continue;
        /* The key decides the algorithm, never the token. */
        if (strcmp(alg, gw_jwt_alg_name(key->alg)) != 0)
            return GW_TOKEN_ALG_NOT_ALLOWED;
        return verify_public(key, (const unsigned char *)token, input_len, sig, sig_len)
                   ? GW_TOKEN_OK : GW_TOKEN_BAD_SIGNATURE;
    }
    return GW_TOKEN_UNKNOWN_KID;
}

/* The header every token issued by this gateway has (libjwt writes
 * {"alg":"HS256","typ":"JWT"}). It needs no JSON parse: it names HS256,
 * no kid and no crit. */
static const char issued_header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

#define CACHE_STRIPES 16
#define CACHE_TOKEN_MAX 2048

typedef struct cache_slot {
    uint64_t hash;
    char *token; /* NULL when free */
    size_t len;
    gw_claims claims;
} cache_slot;

struct gw_jwt_cache {
    pthread_mutex_t locks[CACHE_STRIPES];
    cache_slot *slots;
    size_t capacity;
};

gw_jwt_cache *gw_jwt_cache_new(size_t capacity)
{
    gw_jwt_cache *cache = calloc(1, sizeof *cache);

    if (!cache)
        return NULL;
    cache->capacity = capacity < CACHE_STRIPES ? CACHE_STRIPES : capacity;
    cache->slots = calloc(cache->capacity, sizeof *cache->slots);
    if (!cache->slots) {
        free(cache);
        return NULL;
    }
    for (size_t i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&cache->locks[i], NULL);
    return cache;
}

void gw_jwt_cache_free(gw_jwt_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->capacity; i++) {
        if (cache->slots[i].token) {
            OPENSSL_cleanse(cache->slots[i].token, cache->slots[i].len);
            free(cache->slots[i].token);
        }
    }
    for (size_t i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_destroy(&cache->locks[i]);
    free(cache->slots);
    free(cache);
}

/* FNV-1a over the whole token; a hit is confirmed by comparing bytes. */
static uint64_t token_hash(const char *token, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)token[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* One slot per hash, direct-mapped: a collision replaces the older token,
 * which then only costs a full verification next time. */
static int cache_lookup(gw_jwt_cache *cache, uint64_t hash, const char *token, size_t len, gw_claims *out)
{
    size_t index = (size_t)(hash % cache->capacity);
    pthread_mutex_t *lock = &cache->locks[index % CACHE_STRIPES];
    cache_slot *slot = &cache->slots[index];
    int hit = 0;

    pthread_mutex_lock(lock);
    if (slot->token && slot->hash == hash && slot->len == len && memcmp(slot->token, token, len) == 0) {
        *out = slot->claims;
        hit = 1;
    }
    pthread_mutex_unlock(lock);
    return hit;
}

static void cache_store(gw_jwt_cache *cache, uint64_t hash, const char *token, size_t len, const gw_claims *claims)
{
    size_t index = (size_t)(hash % cache->capacity);
    pthread_mutex_t *lock = &cache->locks[index % CACHE_STRIPES];
    cache_slot *slot = &cache->slots[index];
    char *copy = malloc(len);
    char *old = NULL;
    size_t old_len = 0;

    if (!copy)
        return;
    memcpy(copy, token, len);
    pthread_mutex_lock(lock);
    old = slot->token;
    old_len = slot->len;
    slot->token = copy;
    slot->len = len;
    slot->hash = hash;
    slot->claims = *claims;
    pthread_mutex_unlock(lock);
    if (old) {
        OPENSSL_cleanse(old, old_len);
        free(old);
    }
}

static gw_token_err verify_uncached(const gw_jwt_verifier *verifier, const char *token, size_t len,
                                    long long now, gw_claims *out);

gw_token_err gw_jwt_verify(const gw_jwt_verifier *verifier, const char *token, size_t len,
                           long long now, gw_claims *out)
{
    uint64_t hash = 0;
    gw_token_err rc;

    if (len == 0)
        return GW_TOKEN_MISSING;
    if (len > verifier->max_token_bytes)
        return GW_TOKEN_TOO_LARGE;
    if (verifier->cache && len <= CACHE_TOKEN_MAX) {
        hash = token_hash(token, len);
        if (cache_lookup(verifier->cache, hash, token, len, out))
            return gw_claims_check_time(out, &verifier->rules, now);
    }
    rc = verify_uncached(verifier, token, len, now, out);
    /* Tokens are cached only once fully valid, so a rejected token costs
     * a full verification every time it is sent. */
    if (rc == GW_TOKEN_OK && verifier->cache && len <= CACHE_TOKEN_MAX)
        cache_store(verifier->cache, hash, token, len, out);
    return rc;
}

/* Verifies a token that gw_jwt_verify already checked for size. */
static gw_token_err verify_uncached(const gw_jwt_verifier *verifier, const char *token, size_t len,
                                    long long now, gw_claims *out)
{
    const char *dot1, *dot2;
    json_t *header = NULL, *payload = NULL;
    gw_token_err rc = GW_TOKEN_MALFORMED;

    dot1 = memchr(token, '.', len);
    if (!dot1)
        goto out;
    dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        goto out;
    if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + len)
        goto out;

    if ((size_t)(dot1 - token) == sizeof issued_header - 1 && memcmp(token, issued_header, sizeof issued_header - 1) == 0) {
        unsigned char sig[SIG_MAX_BYTES];
        size_t sig_len = 0;

        if (gw_base64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, sizeof sig, &sig_len) != 0 ||
            !verify_hs256(verifier, (const unsigned char *)token, (size_t)(dot2 - token), sig, sig_len)) {
            rc = GW_TOKEN_BAD_SIGNATURE;
            goto out;
        }
    } else {
        header = decode_json_segment(token, (size_t)(dot1 - token));
        if (!header) {
            rc = GW_TOKEN_BAD_HEADER;
            goto out;
        }
        rc = check_header(header);
        if (rc != GW_TOKEN_OK)
            goto out;

        /* The signature is checked before the payload is parsed, so forged
         * tokens cost one signature check and no JSON work. */
        rc = check_signature(verifier, header, token, (size_t)(dot2 - token), dot2 + 1,
                             len - (size_t)(dot2 + 1 - token));
        if (rc != GW_TOKEN_OK)
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
