/* secret_hash.c - client secret hashes (see gw_secret_hash.h). */
#include "gw_secret_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "gw_base64.h"

#define PBKDF2_MAX_ITERATIONS 10000000u

static const char format_help[] =
    "expected 'sha256$SALT$HASH' or 'pbkdf2-sha256$ITERATIONS$SALT$HASH' as printed by "
    "'cypher-gateway hash-secret'";

static int decode_exact(const char *in, size_t len, unsigned char *out, size_t want)
{
    unsigned char buf[64];
    size_t got = 0;

    if (gw_base64url_decode(in, len, buf, sizeof buf, &got) != 0 || got != want)
        return -1;
    memcpy(out, buf, want);
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

gw_err gw_secret_hash_parse(const char *text, size_t len, gw_secret_hash *out, gw_error_detail *err)
{
    const char *fields[4];
    size_t lens[4];
    size_t n = 0;
    const char *p = text, *end = text + len;
    const char *sep = NULL;

    memset(out, 0, sizeof *out);
    while (n < 4) {
        sep = memchr(p, '$', (size_t)(end - p));
        fields[n] = p;
        lens[n] = sep ? (size_t)(sep - p) : (size_t)(end - p);
        n++;
        if (!sep)
            break;
        p = sep + 1;
    }
    /* A separator after the fourth field starts a fifth one. */
    if (sep)
        return gw_error_set(err, GW_ERR_CONFIG, "invalid client secret hash: %s", format_help);

    if (n == 3 && lens[0] == 6 && memcmp(fields[0], "sha256", 6) == 0) {
        out->scheme = GW_HASH_SHA256;
        if (decode_exact(fields[1], lens[1], out->salt, sizeof out->salt) != 0 ||
            decode_exact(fields[2], lens[2], out->hash, sizeof out->hash) != 0)
            return gw_error_set(err, GW_ERR_CONFIG, "invalid client secret hash: %s", format_help);
        return GW_OK;
    }
    if (n == 4 && lens[0] == 13 && memcmp(fields[0], "pbkdf2-sha256", 13) == 0) {
        char digits[16];
        char *stop = NULL;
        unsigned long iterations;

        if (lens[1] == 0 || lens[1] >= sizeof digits)
            return gw_error_set(err, GW_ERR_CONFIG, "invalid client secret hash: %s", format_help);
        memcpy(digits, fields[1], lens[1]);
        digits[lens[1]] = '\0';
        iterations = strtoul(digits, &stop, 10);
        if (*stop != '\0' || iterations < 1000 || iterations > PBKDF2_MAX_ITERATIONS)
            return gw_error_set(err, GW_ERR_CONFIG,
                                "invalid client secret hash: PBKDF2 iterations must be 1000..%u",
                                PBKDF2_MAX_ITERATIONS);
        out->scheme = GW_HASH_PBKDF2_SHA256;
        out->iterations = (unsigned)iterations;
        if (decode_exact(fields[2], lens[2], out->salt, sizeof out->salt) != 0 ||
            decode_exact(fields[3], lens[3], out->hash, sizeof out->hash) != 0)
            return gw_error_set(err, GW_ERR_CONFIG, "invalid client secret hash: %s", format_help);
        return GW_OK;
    }
    return gw_error_set(err, GW_ERR_CONFIG, "invalid client secret hash: %s", format_help);
}

static int compute(gw_hash_scheme scheme, unsigned iterations, const unsigned char *salt,
                   const char *secret, size_t len, unsigned char out[GW_SECRET_HASH_BYTES])
{
    unsigned int out_len = 0;

    switch (scheme) {
    case GW_HASH_SHA256:
        return HMAC(EVP_sha256(), salt, GW_SECRET_SALT_BYTES, (const unsigned char *)secret, len, out,
                    &out_len) && out_len == GW_SECRET_HASH_BYTES ? 0 : -1;
    case GW_HASH_PBKDF2_SHA256:
        return PKCS5_PBKDF2_HMAC(secret, (int)len, salt, GW_SECRET_SALT_BYTES, (int)iterations, EVP_sha256(),
                                 GW_SECRET_HASH_BYTES, out) == 1 ? 0 : -1;
    }
    return -1;
}

int gw_secret_hash_verify(const gw_secret_hash *hash, const char *secret, size_t len)
{
    unsigned char computed[GW_SECRET_HASH_BYTES];
    int match;

    if (compute(hash->scheme, hash->iterations, hash->salt, secret, len, computed) != 0)
        return 0;
    match = CRYPTO_memcmp(computed, hash->hash, sizeof computed) == 0;
    OPENSSL_cleanse(computed, sizeof computed);
    return match;
}

char *gw_secret_hash_create(const char *secret, size_t len, gw_hash_scheme scheme, unsigned iterations)
{
    unsigned char salt[GW_SECRET_SALT_BYTES];
    unsigned char hash[GW_SECRET_HASH_BYTES];
    char salt_text[GW_BASE64_ENCODED_SIZE(GW_SECRET_SALT_BYTES)];
    char hash_text[GW_BASE64_ENCODED_SIZE(GW_SECRET_HASH_BYTES)];
    char *out = NULL;
    size_t cap = 128;

    if (scheme == GW_HASH_PBKDF2_SHA256 && (iterations < 1000 || iterations > PBKDF2_MAX_ITERATIONS))
        return NULL;
    if (RAND_bytes(salt, sizeof salt) != 1 || compute(scheme, iterations, salt, secret, len, hash) != 0)
        goto out;
    gw_base64url_encode(salt, sizeof salt, salt_text);
    gw_base64url_encode(hash, sizeof hash, hash_text);
    out = malloc(cap);
    if (!out)
        goto out;
    if (scheme == GW_HASH_SHA256)
        snprintf(out, cap, "sha256$%s$%s", salt_text, hash_text);
    else
        snprintf(out, cap, "pbkdf2-sha256$%u$%s$%s", iterations, salt_text, hash_text);

out:
    OPENSSL_cleanse(hash, sizeof hash);
    return out;
}

void gw_secret_hash_clear(gw_secret_hash *hash)
{
    OPENSSL_cleanse(hash, sizeof *hash);
}
