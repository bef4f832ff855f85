/* test_secret_hash.c - stored client secret hashes (gw_secret_hash.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gw_base64.h"
#include "gw_secret_hash.h"

/* The minimum PBKDF2 work factor gw_secret_hash_parse accepts, which keeps
 * the tests fast. */
#define TEST_ITERATIONS 1000

static const char secret[] = "correct horse battery staple";

static void create_parse_verify(gw_hash_scheme scheme)
{
    char *text = gw_secret_hash_create(secret, strlen(secret), scheme, TEST_ITERATIONS);
    gw_secret_hash hash;
    gw_error_detail err;

    assert_non_null(text);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, &err), GW_OK);
    assert_int_equal(hash.scheme, scheme);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret)), 1);
    assert_int_equal(gw_secret_hash_verify(&hash, "wrong", 5), 0);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret) - 1), 0);
    assert_int_equal(gw_secret_hash_verify(&hash, "", 0), 0);
    gw_secret_hash_clear(&hash);
    free(text);
}

static void sha256_round_trip(void **state)
{
    (void)state;
    create_parse_verify(GW_HASH_SHA256);
}

static void pbkdf2_round_trip(void **state)
{
    (void)state;
    create_parse_verify(GW_HASH_PBKDF2_SHA256);
}

static void sha256_text_format(void **state)
{
    char *text = gw_secret_hash_create(secret, strlen(secret), GW_HASH_SHA256, 0);
    const char *salt, *hash;

    (void)state;
    assert_non_null(text);
    assert_memory_equal(text, "sha256$", 7);
    salt = text + 7;
    hash = strchr(salt, '$');
    assert_non_null(hash);
    assert_int_equal(hash - salt, 22);
    assert_int_equal(strlen(hash + 1), 43);
    free(text);
}

static void pbkdf2_text_format(void **state)
{
    char *text = gw_secret_hash_create(secret, strlen(secret), GW_HASH_PBKDF2_SHA256, TEST_ITERATIONS);
    gw_secret_hash hash;

    (void)state;
    assert_non_null(text);
    assert_memory_equal(text, "pbkdf2-sha256$1000$", 19);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    assert_int_equal(hash.iterations, TEST_ITERATIONS);
    free(text);
}

/* Two hashes of one secret differ because each gets a fresh salt. */
static void create_uses_fresh_salt(void **state)
{
    char *first = gw_secret_hash_create(secret, strlen(secret), GW_HASH_SHA256, 0);
    char *second = gw_secret_hash_create(secret, strlen(secret), GW_HASH_SHA256, 0);

    (void)state;
    assert_non_null(first);
    assert_non_null(second);
    assert_string_not_equal(first, second);
    free(first);
    free(second);
}

static void create_rejects_low_iterations(void **state)
{
    (void)state;
    assert_null(gw_secret_hash_create(secret, strlen(secret), GW_HASH_PBKDF2_SHA256, TEST_ITERATIONS - 1));
    assert_null(gw_secret_hash_create(secret, strlen(secret), GW_HASH_PBKDF2_SHA256, 0));
}

/* Secrets are byte strings of a given length: an embedded NUL counts. */
static void verify_secret_with_nul(void **state)
{
    char *text = gw_secret_hash_create("a\0b", 3, GW_HASH_SHA256, 0);
    gw_secret_hash hash;

    (void)state;
    assert_non_null(text);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    assert_int_equal(gw_secret_hash_verify(&hash, "a\0b", 3), 1);
    assert_int_equal(gw_secret_hash_verify(&hash, "a\0c", 3), 0);
    assert_int_equal(gw_secret_hash_verify(&hash, "a", 1), 0);
    free(text);
}

/* A hand-made sha256 entry with a fixed salt, computed with OpenSSL here,
 * checks that parse reads salt and hash from the right fields. */
static void sha256_known_salt(void **state)
{
    unsigned char salt[GW_SECRET_SALT_BYTES];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char salt_text[GW_BASE64_ENCODED_SIZE(sizeof salt)];
    char mac_text[GW_BASE64_ENCODED_SIZE(32)];
    char text[128];
    gw_secret_hash hash;

    (void)state;
    for (size_t i = 0; i < sizeof salt; i++)
        salt[i] = (unsigned char)(i * 17);
    assert_non_null(HMAC(EVP_sha256(), salt, sizeof salt, (const unsigned char *)secret, strlen(secret), mac,
                         &mac_len));
    gw_base64url_encode(salt, sizeof salt, salt_text);
    gw_base64url_encode(mac, mac_len, mac_text);
    snprintf(text, sizeof text, "sha256$%s$%s", salt_text, mac_text);

    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    assert_memory_equal(hash.salt, salt, sizeof salt);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret)), 1);
}

static void pbkdf2_known_salt(void **state)
{
    unsigned char salt[GW_SECRET_SALT_BYTES];
    unsigned char derived[32];
    char salt_text[GW_BASE64_ENCODED_SIZE(sizeof salt)];
    char derived_text[GW_BASE64_ENCODED_SIZE(sizeof derived)];
    char text[128];
    gw_secret_hash hash;

    (void)state;
    memset(salt, 0xa5, sizeof salt);
    assert_int_equal(PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, sizeof salt, 1234, EVP_sha256(),
                                       sizeof derived, derived), 1);
    gw_base64url_encode(salt, sizeof salt, salt_text);
    gw_base64url_encode(derived, sizeof derived, derived_text);
    snprintf(text, sizeof text, "pbkdf2-sha256$1234$%s$%s", salt_text, derived_text);

    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    assert_int_equal(hash.iterations, 1234);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret)), 1);

    /* The same entry with another iteration count no longer matches. */
    snprintf(text, sizeof text, "pbkdf2-sha256$1235$%s$%s", salt_text, derived_text);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret)), 0);
}

static void clear_wipes_hash(void **state)
{
    char *text = gw_secret_hash_create(secret, strlen(secret), GW_HASH_SHA256, 0);
    gw_secret_hash hash;
    static const gw_secret_hash zero;

    (void)state;
    assert_non_null(text);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_OK);
    gw_secret_hash_clear(&hash);
    assert_memory_equal(&hash, &zero, sizeof hash);
    assert_int_equal(gw_secret_hash_verify(&hash, secret, strlen(secret)), 0);
    free(text);
}

/* Field texts used to build entries: a valid 16-byte salt and 32-byte
 * hash, and invalid variants of each. */
#define SALT16 "c2FsdHNhbHRzYWx0c2FsdA"                       /* 16 bytes */
#define HASH32 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g" /* 32 bytes */
#define SALT15 "c2FsdHNhbHRzYWx0c2Fs"                         /* 15 bytes */
#define SALT17 "c2FsdHNhbHRzYWx0c2FsdHM"                      /* 17 bytes */
#define HASH31 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw"  /* 31 bytes */
#define HASH33 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hv" /* 33 bytes */

typedef struct parse_case {
    const char *name;
    const char *text;
} parse_case;

static const parse_case valid_entries[] = {
    {"parse_sha256_valid", "sha256$" SALT16 "$" HASH32},
    {"parse_pbkdf2_valid", "pbkdf2-sha256$210000$" SALT16 "$" HASH32},
    {"parse_pbkdf2_min_iterations", "pbkdf2-sha256$1000$" SALT16 "$" HASH32},
    {"parse_pbkdf2_max_iterations", "pbkdf2-sha256$10000000$" SALT16 "$" HASH32},
};

static void parse_accepts(void **state)
{
    const parse_case *c = *state;
    gw_secret_hash hash;
    gw_error_detail err;

    assert_int_equal(gw_secret_hash_parse(c->text, strlen(c->text), &hash, &err), GW_OK);
    assert_memory_equal(hash.salt, "saltsaltsaltsalt", GW_SECRET_SALT_BYTES);
    assert_memory_equal(hash.hash, "hashhashhashhashhashhashhashhash", GW_SECRET_HASH_BYTES);
}

static const parse_case invalid_entries[] = {
    {"parse_empty", ""},
    {"parse_unknown_scheme", "md5$" SALT16 "$" HASH32},
    {"parse_scheme_uppercase", "SHA256$" SALT16 "$" HASH32},
    {"parse_scheme_only", "sha256"},
    {"parse_sha256_two_fields", "sha256$" SALT16},
    {"parse_sha256_four_fields", "sha256$" SALT16 "$" HASH32 "$" HASH32},
    {"parse_sha256_trailing_separator", "sha256$" SALT16 "$" HASH32 "$"},
    {"parse_sha256_empty_salt", "sha256$$" HASH32},
    {"parse_sha256_empty_hash", "sha256$" SALT16 "$"},
    {"parse_pbkdf2_three_fields", "pbkdf2-sha256$1000$" SALT16},
    {"parse_pbkdf2_five_fields", "pbkdf2-sha256$1000$" SALT16 "$" HASH32 "$" HASH32},
    {"parse_pbkdf2_trailing_separator", "pbkdf2-sha256$1000$" SALT16 "$" HASH32 "$"},
    {"parse_pbkdf2_six_fields", "pbkdf2-sha256$1000$" SALT16 "$" HASH32 "$x$y"},
    {"parse_pbkdf2_sha256_layout", "pbkdf2-sha256$" SALT16 "$" HASH32},
    {"parse_sha256_pbkdf2_layout", "sha256$1000$" SALT16 "$" HASH32},
    {"parse_salt_bad_char", "sha256$c2FsdHNhbHRz!WxQc2FsdA$" HASH32},
    {"parse_salt_padded", "sha256$" SALT16 "==$" HASH32},
    {"parse_salt_std_alphabet", "sha256$c2FsdHNhbHRz+WxQc2FsdA$" HASH32},
    {"parse_hash_bad_char", "sha256$" SALT16 "$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2*"},
    {"parse_hash_trailing_bits", "sha256$" SALT16 "$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2h"},
    {"parse_salt_15_bytes", "sha256$" SALT15 "$" HASH32},
    {"parse_salt_17_bytes", "sha256$" SALT17 "$" HASH32},
    {"parse_hash_31_bytes", "sha256$" SALT16 "$" HASH31},
    {"parse_hash_33_bytes", "sha256$" SALT16 "$" HASH33},
    {"parse_pbkdf2_salt_15_bytes", "pbkdf2-sha256$1000$" SALT15 "$" HASH32},
    {"parse_pbkdf2_hash_33_bytes", "pbkdf2-sha256$1000$" SALT16 "$" HASH33},
    {"parse_iterations_999", "pbkdf2-sha256$999$" SALT16 "$" HASH32},
    {"parse_iterations_zero", "pbkdf2-sha256$0$" SALT16 "$" HASH32},
    {"parse_iterations_empty", "pbkdf2-sha256$$" SALT16 "$" HASH32},
    {"parse_iterations_negative", "pbkdf2-sha256$-1000$" SALT16 "$" HASH32},
    {"parse_iterations_not_number", "pbkdf2-sha256$many$" SALT16 "$" HASH32},
    {"parse_iterations_suffix", "pbkdf2-sha256$1000x$" SALT16 "$" HASH32},
    {"parse_iterations_over_max", "pbkdf2-sha256$10000001$" SALT16 "$" HASH32},
    {"parse_iterations_huge", "pbkdf2-sha256$99999999999999999999$" SALT16 "$" HASH32},
    {"parse_plain_secret", "hunter2-plaintext-secret"},
};

/* Rejected entries fail with GW_ERR_CONFIG, and the message names the
 * format without repeating the entry or any of its fields. The scheme
 * names are exempt because the format help spells them out. */
static void parse_rejects(void **state)
{
    const parse_case *c = *state;
    gw_secret_hash hash;
    gw_error_detail err;
    char fields[256];

    memset(&err, 0, sizeof err);
    assert_int_equal(gw_secret_hash_parse(c->text, strlen(c->text), &hash, &err), GW_ERR_CONFIG);
    assert_true(err.message[0] != '\0');
    if (strchr(c->text, '$') && strstr(err.message, c->text))
        fail_msg("the message repeats the entry: %s", err.message);

    snprintf(fields, sizeof fields, "%s", c->text);
    for (char *field = strtok(fields, "$"); field; field = strtok(NULL, "$")) {
        if (strcmp(field, "sha256") == 0 || strcmp(field, "pbkdf2-sha256") == 0)
            continue;
        if (strlen(field) >= 8 && strstr(err.message, field))
            fail_msg("the message repeats the field '%s': %s", field, err.message);
    }
}

/* Only `len` bytes are parsed, so a valid entry followed by more text in
 * the same buffer is still valid. */
static void parse_uses_length(void **state)
{
    static const char text[] = "sha256$" SALT16 "$" HASH32 "$extra";
    gw_secret_hash hash;

    (void)state;
    assert_int_equal(gw_secret_hash_parse(text, strlen(text) - 6, &hash, NULL), GW_OK);
    assert_int_equal(gw_secret_hash_parse(text, strlen(text), &hash, NULL), GW_ERR_CONFIG);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, sha256_round_trip);
    UNIT_ADD(&list, pbkdf2_round_trip);
    UNIT_ADD(&list, sha256_text_format);
    UNIT_ADD(&list, pbkdf2_text_format);
    UNIT_ADD(&list, create_uses_fresh_salt);
    UNIT_ADD(&list, create_rejects_low_iterations);
    UNIT_ADD(&list, verify_secret_with_nul);
    UNIT_ADD(&list, sha256_known_salt);
    UNIT_ADD(&list, pbkdf2_known_salt);
    UNIT_ADD(&list, clear_wipes_hash);
    UNIT_ADD_ROWS(&list, valid_entries, parse_accepts);
    UNIT_ADD_ROWS(&list, invalid_entries, parse_rejects);
    UNIT_ADD(&list, parse_uses_length);
    return unit_run("secret_hash", &list);
}
