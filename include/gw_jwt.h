/*
 * gw_jwt.h - issuing and verifying HS256 access tokens.
 *
 * Verification is our own strict path, not libjwt's: libjwt 1.10 cannot pin
 * the algorithm or check claims, and it allocates on every call. The path is
 * size check, split into exactly three segments, strict base64url decoding,
 * header check, signature check, then gw_claims_parse and
 * gw_claims_check_time. Issuing uses libjwt.
 *
 * Keys: a token without "kid" is checked with the gateway's own HS256 key.
 * A token with "kid" is checked with the configured public key of that id
 * (RS256 or ES256), and its "alg" must be exactly that key's algorithm, so
 * an HS256 token "signed" with a public key as HMAC secret never passes.
 * "none" is rejected in every case. Header fields jku, x5u, jwk and x5c are
 * never read, so no key is ever fetched from a URL a token names.
 *
 * Keys are borrowed by every call; the caller keeps them alive and wipes
 * the HMAC key.
 */
#ifndef GW_JWT_H
#define GW_JWT_H

#include <stddef.h>

#include "gw_claims.h"
#include "gw_config.h"

#include <openssl/evp.h>
/* The SHA-256 state type is plain data; only its functions are deprecated. */
#include <openssl/sha.h>

/* HS256 keys shorter than the hash output weaken HMAC (RFC 7518 3.2). */
#define GW_JWT_MIN_KEY_BYTES 32

typedef enum gw_jwt_alg {
    GW_JWT_HS256 = 1,
    GW_JWT_RS256 = 2,
    GW_JWT_ES256 = 3
} gw_jwt_alg;

/* A public verification key chosen by "kid". */
typedef struct gw_jwt_public_key {
    const char *kid;
    gw_jwt_alg alg;
    EVP_PKEY *pkey; /* borrowed */
} gw_jwt_public_key;

typedef struct gw_jwt_cache gw_jwt_cache;

/* HMAC-SHA256 with the key's inner and outer hash states computed once, so
 * a verification hashes only the token (see gw_jwt_verifier_prepare). */
typedef struct gw_hmac_state {
    SHA256_CTX inner;
    SHA256_CTX outer;
    int ready;
} gw_hmac_state;

typedef struct gw_jwt_verifier {
    const unsigned char *key; /* HS256 key for tokens without kid */
    size_t key_len;
    gw_hmac_state hmac;       /* optional: set by gw_jwt_verifier_prepare */
    gw_jwt_cache *cache;      /* optional: tokens verified before; borrowed */
    const gw_jwt_public_key *public_keys;
    size_t n_public_keys;
    gw_claims_rules rules;
    size_t max_token_bytes;
} gw_jwt_verifier;

/* Parses "HS256", "RS256" or "ES256"; returns 0 or -1. */
int gw_jwt_alg_parse(const char *name, gw_jwt_alg *out);
const char *gw_jwt_alg_name(gw_jwt_alg alg);

/* Loads a PEM public key (SubjectPublicKeyInfo) for `alg`: RS256 needs an
 * RSA key of at least 2048 bits, ES256 an EC key on P-256. Returns a new
 * key (release with EVP_PKEY_free). */
gw_err gw_jwt_public_key_load(const char *pem, size_t len, gw_jwt_alg alg, EVP_PKEY **out, gw_error_detail *err);

/* Precomputes the HMAC states of verifier->key. Verification works without
 * it, only slower. The states are key material: gw_jwt_verifier_wipe
 * erases them. */
void gw_jwt_verifier_prepare(gw_jwt_verifier *verifier);
void gw_jwt_verifier_wipe(gw_jwt_verifier *verifier);

/* A bounded cache of tokens that passed verification, so a client that
 * sends the same token again costs a hash and a compare instead of a
 * signature check and a JSON parse. Only the signature and claims parsing
 * are skipped: the time claims are checked on every use. Thread-safe;
 * release with gw_jwt_cache_free. */
gw_jwt_cache *gw_jwt_cache_new(size_t capacity);
void gw_jwt_cache_free(gw_jwt_cache *cache);

/* Verifies `token` (`len` bytes, not NUL-terminated) at time `now` and
 * fills `out`. Returns GW_TOKEN_OK or the first reason for rejection. */
gw_token_err gw_jwt_verify(const gw_jwt_verifier *verifier, const char *token, size_t len,
                           long long now, gw_claims *out);

typedef struct gw_jwt_grant {
    const char *subject;          /* client id */
    const char *const *databases; /* borrowed */
    size_t n_databases;
    gw_mode mode;
    long long now;
    long ttl_s;
} gw_jwt_grant;

/* Issues a signed token. Returns a new string (release with free()) or NULL
 * when out of memory or when libjwt fails. A random jti is generated. */
char *gw_jwt_issue(const unsigned char *key, size_t key_len, const char *issuer,
                   const char *audience, const gw_jwt_grant *grant);

#endif
