/*
 * gw_jwt.h - issuing and verifying HS256 access tokens.
 *
 * Verification is our own strict path, not libjwt's: libjwt 1.10 cannot pin
 * the algorithm or check claims, and it allocates on every call. The path is
 * size check, split into exactly three segments, strict base64url decoding,
 * header check (alg must be exactly the configured one, crit rejected),
 * HMAC-SHA256 compared in constant time, then gw_claims_parse and
 * gw_claims_check_time. Issuing uses libjwt.
 *
 * The key is borrowed by both calls; the caller keeps it alive and wipes it.
 */
#ifndef GW_JWT_H
#define GW_JWT_H

#include <stddef.h>

#include "gw_claims.h"
#include "gw_config.h"

/* HS256 keys shorter than the hash output weaken HMAC (RFC 7518 3.2). */
#define GW_JWT_MIN_KEY_BYTES 32

typedef struct gw_jwt_verifier {
    const unsigned char *key;
    size_t key_len;
    gw_claims_rules rules;
    size_t max_token_bytes;
} gw_jwt_verifier;

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
