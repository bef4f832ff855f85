/* test_error.c - texts, client codes and HTTP statuses of gw_err (gw_error.h). */
#include "unit_table.h"

#include <ctype.h>
#include <string.h>

#include "gw_error.h"

/* Returns the highest gw_err value that has a description, so the loops
 * below cover codes added after this test was written. */
static int last_error_code(void)
{
    int last = GW_ERR_INTERNAL;

    while (strcmp(gw_strerror((gw_err)(last + 1)), "unknown error") != 0)
        last++;
    return last;
}

/* Every code from GW_OK to the last one has all three texts. Failures name
 * the numeric value, because a loop hides which iteration failed. */
static void error_every_code_has_texts(void **state)
{
    (void)state;
    for (int i = GW_OK; i <= last_error_code(); i++) {
        gw_err err = (gw_err)i;
        const char *text = gw_strerror(err);
        const char *code = gw_err_code(err);
        int status = gw_err_http_status(err);

        if (text == NULL || text[0] == '\0')
            fail_msg("gw_err %d has no description", i);
        if (strcmp(text, "unknown error") == 0)
            fail_msg("gw_err %d falls back to 'unknown error'", i);
        if (code == NULL || code[0] == '\0')
            fail_msg("gw_err %d has no client code", i);
        if (status < 200 || status > 599)
            fail_msg("gw_err %d has HTTP status %d, expected 200..599", i, status);
    }
}

/* Client codes are snake_case so clients can switch on them. */
static void error_codes_are_snake_case(void **state)
{
    (void)state;
    for (int i = GW_OK; i <= last_error_code(); i++) {
        const char *code = gw_err_code((gw_err)i);

        for (const char *p = code; *p; p++) {
            if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
                fail_msg("gw_err %d has client code '%s', expected snake_case", i, code);
        }
    }
}

static void error_failures_are_not_2xx(void **state)
{
    (void)state;
    for (int i = GW_ERR_NOMEM; i <= last_error_code(); i++) {
        int status = gw_err_http_status((gw_err)i);

        if (status < 400 || status > 599)
            fail_msg("gw_err %d has HTTP status %d, expected 400..599", i, status);
    }
}

typedef struct mapping_case {
    const char *name;
    gw_err err;
    const char *code;
    int status;
} mapping_case;

static const mapping_case mappings[] = {
    {"error_ok", GW_OK, "ok", 200},
    {"error_nomem", GW_ERR_NOMEM, "internal_error", 500},
    {"error_invalid_request", GW_ERR_INVALID_REQUEST, "invalid_request", 400},
    {"error_unsupported_grant_type", GW_ERR_UNSUPPORTED_GRANT_TYPE, "unsupported_grant_type", 400},
    {"error_invalid_client", GW_ERR_INVALID_CLIENT, "invalid_client", 401},
    {"error_invalid_token", GW_ERR_INVALID_TOKEN, "invalid_token", 401},
    {"error_insufficient_scope", GW_ERR_INSUFFICIENT_SCOPE, "insufficient_scope", 403},
    {"error_not_found", GW_ERR_NOT_FOUND, "not_found", 404},
    {"error_method_not_allowed", GW_ERR_METHOD_NOT_ALLOWED, "method_not_allowed", 405},
    {"error_payload_too_large", GW_ERR_PAYLOAD_TOO_LARGE, "payload_too_large", 413},
    {"error_pool_exhausted", GW_ERR_POOL_EXHAUSTED, "pool_exhausted", 503},
    {"error_neo4j_timeout", GW_ERR_NEO4J_TIMEOUT, "neo4j_timeout", 504},
    {"error_neo4j_auth", GW_ERR_NEO4J_AUTH, "neo4j_auth_failed", 502},
    {"error_internal", GW_ERR_INTERNAL, "internal_error", 500},
};

static void error_maps_code_and_status(void **state)
{
    const mapping_case *c = *state;

    assert_string_equal(gw_err_code(c->err), c->code);
    assert_int_equal(gw_err_http_status(c->err), c->status);
}

/* A value outside the enum still gets a text, a code and a status. */
static void error_unknown_value_has_fallback(void **state)
{
    gw_err unknown = (gw_err)10000;

    (void)state;
    assert_string_equal(gw_strerror(unknown), "unknown error");
    assert_string_equal(gw_err_code(unknown), "internal_error");
    assert_int_equal(gw_err_http_status(unknown), 500);
}

static void error_set_fills_message(void **state)
{
    gw_error_detail detail;

    (void)state;
    memset(&detail, 0x55, sizeof detail);
    assert_int_equal(gw_error_set(&detail, GW_ERR_CONFIG, "key '%s' is %d", "port", 7), GW_ERR_CONFIG);
    assert_string_equal(detail.message, "key 'port' is 7");
    assert_string_equal(detail.source, "");
    assert_int_equal(detail.line, 0);
    assert_int_equal(detail.column, 0);
}

static void error_set_at_records_position(void **state)
{
    gw_error_detail detail;

    (void)state;
    assert_int_equal(gw_error_set_at(&detail, GW_ERR_CONFIG, "gateway.yaml", 12, 3, "bad %s", "value"),
                     GW_ERR_CONFIG);
    assert_string_equal(detail.message, "bad value");
    assert_string_equal(detail.source, "gateway.yaml");
    assert_int_equal(detail.line, 12);
    assert_int_equal(detail.column, 3);
}

static void error_set_at_null_source(void **state)
{
    gw_error_detail detail;

    (void)state;
    gw_error_set_at(&detail, GW_ERR_IO, NULL, 1, 1, "failed");
    assert_string_equal(detail.source, "");
}

static void error_set_null_detail(void **state)
{
    (void)state;
    assert_int_equal(gw_error_set(NULL, GW_ERR_NOMEM, "ignored %d", 1), GW_ERR_NOMEM);
    assert_int_equal(gw_error_set_at(NULL, GW_ERR_IO, "x", 1, 2, "ignored"), GW_ERR_IO);
}

static void error_set_truncates_long_message(void **state)
{
    gw_error_detail detail;
    char long_text[1000];
    char long_source[400];

    (void)state;
    memset(long_text, 'm', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    memset(long_source, 's', sizeof long_source - 1);
    long_source[sizeof long_source - 1] = '\0';

    gw_error_set_at(&detail, GW_ERR_CONFIG, long_source, 1, 1, "%s", long_text);
    assert_int_equal(strlen(detail.message), sizeof detail.message - 1);
    assert_int_equal(strlen(detail.source), sizeof detail.source - 1);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, error_every_code_has_texts);
    UNIT_ADD(&list, error_codes_are_snake_case);
    UNIT_ADD(&list, error_failures_are_not_2xx);
    UNIT_ADD_ROWS(&list, mappings, error_maps_code_and_status);
    UNIT_ADD(&list, error_unknown_value_has_fallback);
    UNIT_ADD(&list, error_set_fills_message);
    UNIT_ADD(&list, error_set_at_records_position);
    UNIT_ADD(&list, error_set_at_null_source);
    UNIT_ADD(&list, error_set_null_detail);
    UNIT_ADD(&list, error_set_truncates_long_message);
    return unit_run("error", &list);
}
