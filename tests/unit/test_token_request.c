/* test_token_request.c - POST /token request parsing (gw_token_request.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_base64.h"
#include "gw_token_request.h"

#define GRANT "grant_type=client_credentials"

/* One request. `basic` is the raw "id:secret" text that the test encodes
 * into an Authorization header with `scheme`, while `authorization` is a
 * header sent as is. At most one of the two is set. */
typedef struct request_case {
    const char *name;
    const char *scheme;
    const char *basic;
    const char *authorization;
    const char *body;
    gw_err expected;
    const char *client_id;
    const char *client_secret;
    int used_basic;
} request_case;

static const request_case request_cases[] = {
    /* HTTP Basic */
    {"basic_valid", "Basic", "app:s3cret", NULL, GRANT, GW_OK, "app", "s3cret", 1},
    {"basic_scheme_lowercase", "basic", "app:s3cret", NULL, GRANT, GW_OK, "app", "s3cret", 1},
    {"basic_scheme_uppercase", "BASIC", "app:s3cret", NULL, GRANT, GW_OK, "app", "s3cret", 1},
    {"basic_extra_spaces", "Basic  ", "app:s3cret", NULL, GRANT, GW_OK, "app", "s3cret", 1},
    {"basic_secret_with_colon", "Basic", "app:a:b:c", NULL, GRANT, GW_OK, "app", "a:b:c", 1},
    {"basic_form_encoded_parts", "Basic", "my%3Aapp:p%40ss+word%2B", NULL, GRANT, GW_OK, "my:app", "p@ss word+", 1},
    {"basic_with_scope", "Basic", "app:s3cret", NULL, GRANT "&scope=read", GW_OK, "app", "s3cret", 1},
    {"basic_missing_colon", "Basic", "apps3cret", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_empty_id", "Basic", ":s3cret", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_empty_secret", "Basic", "app:", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_nul_escape_secret", "Basic", "app:s3%00cret", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_nul_escape_id", "Basic", "a%00pp:s3cret", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_bad_escape", "Basic", "app:s3%zzcret", NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_invalid_base64", NULL, NULL, "Basic !!!!", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_unpadded_base64", NULL, NULL, "Basic YXBwOnM", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_url_alphabet", NULL, NULL, "Basic YXBwOj8_Pz4=", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_empty_credentials", NULL, NULL, "Basic ", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_only_spaces", NULL, NULL, "Basic    ", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"bearer_header", NULL, NULL, "Bearer abc.def.ghi", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"basic_without_space", NULL, NULL, "BasicYXBwOnMzY3JldA==", GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},

    /* Form credentials */
    {"form_valid", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=s3cret", GW_OK, "app", "s3cret", 0},
    {"form_any_order", NULL, NULL, NULL, "client_secret=s3cret&client_id=app&" GRANT, GW_OK, "app", "s3cret", 0},
    {"form_empty_authorization", NULL, NULL, "", GRANT "&client_id=app&client_secret=s3cret", GW_OK, "app",
     "s3cret", 0},
    {"form_percent_and_plus", NULL, NULL, NULL, GRANT "&client_id=my%2Eapp&client_secret=a%2Bb+c%26d%3D",
     GW_OK, "my.app", "a+b c&d=", 0},
    {"form_lowercase_hex", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=%7e%7E", GW_OK, "app", "~~", 0},
    {"form_empty_pairs", NULL, NULL, NULL, "&&" GRANT "&&client_id=app&client_secret=s3cret&", GW_OK, "app",
     "s3cret", 0},
    {"form_encoded_grant_type", NULL, NULL, NULL, "grant_type=client%5Fcredentials&client_id=app&client_secret=x",
     GW_OK, "app", "x", 0},
    {"form_bad_escape", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=%zz", GW_ERR_INVALID_REQUEST,
     NULL, NULL, 0},
    {"form_truncated_escape", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=ab%4", GW_ERR_INVALID_REQUEST,
     NULL, NULL, 0},
    {"form_nul_escape_secret", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=a%00b",
     GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"form_nul_escape_id", NULL, NULL, NULL, GRANT "&client_id=a%00pp&client_secret=s3cret",
     GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"form_empty_secret", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=", GW_ERR_INVALID_REQUEST, NULL,
     NULL, 0},
    {"form_empty_id", NULL, NULL, NULL, GRANT "&client_id=&client_secret=s3cret", GW_ERR_INVALID_REQUEST, NULL,
     NULL, 0},
    {"form_id_only", NULL, NULL, NULL, GRANT "&client_id=app", GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"form_secret_only", NULL, NULL, NULL, GRANT "&client_secret=s3cret", GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"form_repeated_id", NULL, NULL, NULL, GRANT "&client_id=app&client_id=other&client_secret=s3cret",
     GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"form_repeated_secret", NULL, NULL, NULL, GRANT "&client_id=app&client_secret=a&client_secret=b",
     GW_ERR_INVALID_REQUEST, NULL, NULL, 0},

    /* Both methods, none, and the grant type */
    {"both_basic_and_form_id", "Basic", "app:s3cret", NULL, GRANT "&client_id=app", GW_ERR_INVALID_REQUEST, NULL,
     NULL, 0},
    {"both_basic_and_form_secret", "Basic", "app:s3cret", NULL, GRANT "&client_secret=s3cret",
     GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"no_credentials", NULL, NULL, NULL, GRANT, GW_ERR_INVALID_CLIENT, NULL, NULL, 0},
    {"grant_type_missing", "Basic", "app:s3cret", NULL, "", GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"grant_type_missing_form", NULL, NULL, NULL, "client_id=app&client_secret=s3cret", GW_ERR_INVALID_REQUEST,
     NULL, NULL, 0},
    {"grant_type_password", "Basic", "app:s3cret", NULL, "grant_type=password", GW_ERR_UNSUPPORTED_GRANT_TYPE,
     NULL, NULL, 0},
    {"grant_type_empty", "Basic", "app:s3cret", NULL, "grant_type=", GW_ERR_UNSUPPORTED_GRANT_TYPE, NULL, NULL, 0},
    {"grant_type_no_value", "Basic", "app:s3cret", NULL, "grant_type", GW_ERR_UNSUPPORTED_GRANT_TYPE, NULL, NULL,
     0},
    {"grant_type_case", "Basic", "app:s3cret", NULL, "grant_type=Client_Credentials",
     GW_ERR_UNSUPPORTED_GRANT_TYPE, NULL, NULL, 0},
    {"grant_type_repeated", "Basic", "app:s3cret", NULL, GRANT "&" GRANT, GW_ERR_INVALID_REQUEST, NULL, NULL, 0},
    {"grant_type_bad_escape", "Basic", "app:s3cret", NULL, "grant_type=%G0", GW_ERR_INVALID_REQUEST, NULL, NULL,
     0},
};

/* Returns "<scheme> base64(<basic>)" in a new string. */
static char *basic_header(const char *scheme, const char *basic)
{
    size_t len = strlen(basic);
    char *encoded = malloc(GW_BASE64_ENCODED_SIZE(len));
    size_t header_len = strlen(scheme) + 1 + GW_BASE64_ENCODED_SIZE(len);
    char *header = malloc(header_len);

    assert_non_null(encoded);
    assert_non_null(header);
    gw_base64_encode((const unsigned char *)basic, len, encoded);
    snprintf(header, header_len, "%s %s", scheme, encoded);
    free(encoded);
    return header;
}

static void token_request_case(void **state)
{
    const request_case *c = *state;
    char *header = c->basic ? basic_header(c->scheme, c->basic) : NULL;
    const char *authorization = header ? header : c->authorization;
    gw_token_request req;
    gw_error_detail err;
    gw_err rc;

    memset(&err, 0, sizeof err);
    rc = gw_token_request_parse(authorization, c->body, strlen(c->body), &req, &err);
    assert_int_equal(rc, c->expected);
    if (c->expected == GW_OK) {
        assert_string_equal(req.client_id, c->client_id);
        assert_non_null(req.client_secret);
        assert_int_equal(req.client_secret_len, strlen(c->client_secret));
        assert_memory_equal(req.client_secret, c->client_secret, req.client_secret_len);
        assert_int_equal(req.used_basic, c->used_basic);
    } else {
        assert_true(err.message[0] != '\0');
        assert_null(req.client_secret);
        assert_null(strstr(err.message, "s3cret"));
    }
    gw_token_request_clear(&req);
    free(header);
}

/* Only `len` bytes of the body are read. */
static void token_request_uses_length(void **state)
{
    static const char body[] = GRANT "&client_id=app&client_secret=s3cret&client_id=again";
    gw_token_request req;

    (void)state;
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body) - strlen("&client_id=again"), &req, NULL),
                     GW_OK);
    assert_string_equal(req.client_secret, "s3cret");
    gw_token_request_clear(&req);
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_ERR_INVALID_REQUEST);
}

static void token_request_clear_resets(void **state)
{
    gw_token_request req;
    static const gw_token_request zero;
    char body[] = GRANT "&client_id=app&client_secret=s3cret";

    (void)state;
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_OK);
    gw_token_request_clear(&req);
    assert_memory_equal(&req, &zero, sizeof req);
    gw_token_request_clear(&req);
}

static void token_request_client_id_max(void **state)
{
    char body[512];
    char id[GW_CLIENT_ID_MAX + 2];
    gw_token_request req;

    (void)state;
    memset(id, 'i', GW_CLIENT_ID_MAX);
    id[GW_CLIENT_ID_MAX] = '\0';
    snprintf(body, sizeof body, GRANT "&client_id=%s&client_secret=s3cret", id);
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_OK);
    assert_string_equal(req.client_id, id);
    gw_token_request_clear(&req);

    strcat(id, "i");
    snprintf(body, sizeof body, GRANT "&client_id=%s&client_secret=s3cret", id);
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_ERR_INVALID_REQUEST);
}

static void token_request_basic_id_too_long(void **state)
{
    char basic[GW_CLIENT_ID_MAX + 16];
    char *header;
    gw_token_request req;

    (void)state;
    memset(basic, 'i', GW_CLIENT_ID_MAX + 1);
    strcpy(basic + GW_CLIENT_ID_MAX + 1, ":s3cret");
    header = basic_header("Basic", basic);
    assert_int_equal(gw_token_request_parse(header, GRANT, strlen(GRANT), &req, NULL), GW_ERR_INVALID_CLIENT);
    free(header);
}

/* A secret of 1024 bytes is accepted, but one more byte is not. */
static void token_request_secret_max(void **state)
{
    size_t body_cap = 2048;
    char *body = malloc(body_cap);
    char secret[1026];
    gw_token_request req;

    (void)state;
    assert_non_null(body);
    memset(secret, 's', 1024);
    secret[1024] = '\0';
    snprintf(body, body_cap, GRANT "&client_id=app&client_secret=%s", secret);
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_OK);
    assert_int_equal(req.client_secret_len, 1024);
    gw_token_request_clear(&req);

    strcat(secret, "s");
    snprintf(body, body_cap, GRANT "&client_id=app&client_secret=%s", secret);
    assert_int_equal(gw_token_request_parse(NULL, body, strlen(body), &req, NULL), GW_ERR_INVALID_REQUEST);
    free(body);
}

/* gw_form_decode on its own. `expected` -1 means rejected. */
typedef struct decode_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
    size_t cap;
    long expected;
    const char *output;
} decode_case;

static const decode_case decode_cases[] = {
    {"form_decode_empty", "", 0, 8, 0, ""},
    {"form_decode_plain", "abc", 0, 8, 3, "abc"},
    {"form_decode_plus", "a+b++c", 0, 8, 6, "a b  c"},
    {"form_decode_escapes", "%41%62", 0, 8, 2, "Ab"},
    {"form_decode_lower_hex", "%4a%4B", 0, 8, 2, "JK"},
    {"form_decode_escaped_plus", "%2B", 0, 8, 1, "+"},
    {"form_decode_escaped_percent", "%25", 0, 8, 1, "%"},
    {"form_decode_no_double_decode", "%2541", 0, 8, 3, "%41"},
    {"form_decode_high_byte", "%C3%A9", 0, 8, 2, "\xc3\xa9"},
    {"form_decode_exact_fit", "abc", 0, 4, 3, "abc"},
    {"form_decode_too_small", "abcd", 0, 4, -1, NULL},
    {"form_decode_zero_capacity", "", 0, 0, -1, NULL},
    {"form_decode_lone_percent", "%", 0, 8, -1, NULL},
    {"form_decode_one_hex_digit", "%4", 0, 8, -1, NULL},
    {"form_decode_trailing_escape", "ab%4", 0, 8, -1, NULL},
    {"form_decode_bad_first_hex", "%G1", 0, 8, -1, NULL},
    {"form_decode_bad_second_hex", "%1G", 0, 8, -1, NULL},
    {"form_decode_space_in_escape", "% 1", 0, 8, -1, NULL},
    {"form_decode_nul_escape", "a%00b", 0, 8, -1, NULL},
    {"form_decode_raw_nul", "a\0b", 3, 8, -1, NULL},
    {"form_decode_stops_at_len", "abcdef", 3, 8, 3, "abc"},
};

/* The output buffer is a heap block of exactly `cap` bytes (at least one,
 * filled with 'X'), so ASan and valgrind catch a write past the end. */
static void form_decode_case(void **state)
{
    const decode_case *c = *state;
    size_t len = c->len ? c->len : strlen(c->input);
    size_t block = c->cap ? c->cap : 1;
    char *out = malloc(block);
    long n;

    assert_non_null(out);
    memset(out, 'X', block);
    n = gw_form_decode(c->input, len, out, c->cap);
    assert_int_equal(n, c->expected);
    if (c->output) {
        assert_int_equal(strlen(out), (size_t)n);
        assert_memory_equal(out, c->output, (size_t)n + 1);
    }
    if (c->cap == 0)
        assert_int_equal(out[0], 'X');
    free(out);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, request_cases, token_request_case);
    UNIT_ADD(&list, token_request_uses_length);
    UNIT_ADD(&list, token_request_clear_resets);
    UNIT_ADD(&list, token_request_client_id_max);
    UNIT_ADD(&list, token_request_basic_id_too_long);
    UNIT_ADD(&list, token_request_secret_max);
    UNIT_ADD_ROWS(&list, decode_cases, form_decode_case);
    return unit_run("token_request", &list);
}
