/* test_neo4j_result.c - inspection of Neo4j Query API responses (gw_neo4j_result.h). */
#include "unit_table.h"

#include <string.h>

#include "gw_neo4j_result.h"

#define ROWS "\"data\":{\"fields\":[\"n\"],\"values\":[[1],[2]]}"

/* One Neo4j response and the outcome it must give. */
typedef struct inspect_case {
    const char *name;
    long http_status;
    const char *body;
    int success;
    gw_err err;
    int status;
    int passthrough_status;
    const char *code;
} inspect_case;

static const inspect_case inspect_cases[] = {
    {"inspect_202_rows", 202, "{" ROWS ",\"bookmarks\":[\"bm\"]}", 1, GW_OK, 200, 202, ""},
    {"inspect_200_rows", 200, "{" ROWS "}", 1, GW_OK, 200, 200, ""},
    {"inspect_202_empty_errors", 202, "{" ROWS ",\"errors\":[]}", 1, GW_OK, 200, 202, ""},
    {"inspect_202_whitespace", 202, " \n{ \"data\" : { \"values\" : [ ] } }\n", 1, GW_OK, 200, 202, ""},
    {"inspect_202_errors_in_rows", 202, "{\"data\":{\"values\":[[{\"errors\":[{\"code\":\"Neo.x\"}]}]]}}", 1,
     GW_OK, 200, 202, ""},
    {"inspect_202_rows_then_error", 202,
     "{" ROWS ",\"errors\":[{\"code\":\"Neo.ClientError.Statement.ArithmeticError\",\"message\":\"/ by zero\"}]}",
     0, GW_OK, 400, 400, "Neo.ClientError.Statement.ArithmeticError"},
    {"inspect_202_rows_then_transient", 202,
     "{" ROWS ",\"errors\":[{\"code\":\"Neo.TransientError.Transaction.DeadlockDetected\"}]}", 0, GW_OK, 503,
     503, "Neo.TransientError.Transaction.DeadlockDetected"},
    {"inspect_400_syntax_error", 400,
     "{\"errors\":[{\"code\":\"Neo.ClientError.Statement.SyntaxError\",\"message\":\"Invalid input\"}]}", 0, GW_OK,
     400, 400, "Neo.ClientError.Statement.SyntaxError"},
    {"inspect_400_access_mode", 400,
     "{\"errors\":[{\"code\":\"Neo.ClientError.Statement.AccessMode\",\"message\":\"Writing in read access mode\"}]}",
     0, GW_OK, 403, 400, "Neo.ClientError.Statement.AccessMode"},
    {"inspect_404_database_not_found", 404,
     "{\"errors\":[{\"code\":\"Neo.ClientError.Database.DatabaseNotFound\",\"message\":\"no such db\"}]}", 0,
     GW_OK, 404, 404, "Neo.ClientError.Database.DatabaseNotFound"},
    {"inspect_503_transient", 503, "{\"errors\":[{\"code\":\"Neo.TransientError.General.DatabaseUnavailable\"}]}",
     0, GW_OK, 503, 503, "Neo.TransientError.General.DatabaseUnavailable"},
    {"inspect_500_database_error", 500, "{\"errors\":[{\"code\":\"Neo.DatabaseError.General.UnknownError\"}]}", 0,
     GW_OK, 502, 500, "Neo.DatabaseError.General.UnknownError"},
    {"inspect_403_forbidden", 403, "{\"errors\":[{\"code\":\"Neo.ClientError.Security.Forbidden\"}]}", 0, GW_OK,
     403, 403, "Neo.ClientError.Security.Forbidden"},
    {"inspect_400_unauthorized_code", 400,
     "{\"errors\":[{\"code\":\"Neo.ClientError.Security.Unauthorized\"}]}", 0, GW_ERR_NEO4J_AUTH, 502, 502,
     "Neo.ClientError.Security.Unauthorized"},
    {"inspect_first_of_two_errors", 400,
     "{\"errors\":[{\"code\":\"Neo.ClientError.Statement.SyntaxError\"},"
     "{\"code\":\"Neo.DatabaseError.General.UnknownError\"}]}",
     0, GW_OK, 400, 400, "Neo.ClientError.Statement.SyntaxError"},
    {"inspect_error_without_code", 400, "{\"errors\":[{\"message\":\"?\"}]}", 0, GW_OK, 502, 400,
     "Neo.DatabaseError.General.UnknownError"},
    {"inspect_error_not_object", 400, "{\"errors\":[\"boom\"]}", 0, GW_OK, 502, 400,
     "Neo.DatabaseError.General.UnknownError"},
    {"inspect_401", 401, "{\"errors\":[{\"code\":\"Neo.ClientError.Security.Unauthorized\"}]}", 0,
     GW_ERR_NEO4J_AUTH, 502, 502, ""},
    {"inspect_401_not_json", 401, "Unauthorized", 0, GW_ERR_NEO4J_AUTH, 502, 502, ""},
    {"inspect_400_empty_errors", 400, "{\"errors\":[]}", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_500_no_errors", 500, "{}", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_not_json", 502, "<html>Bad Gateway</html>", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_not_json", 202, "OK", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_empty_body", 202, "", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_json_array", 202, "[1,2]", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_truncated_rows", 202, "{\"data\":{\"fields\":[\"n\"],\"values\":[[1],[2", 0,
     GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_truncated_after_rows", 202, "{" ROWS, 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_truncated_string", 202, "{\"data\":{\"fields\":[\"n", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502,
     ""},
    {"inspect_202_truncated_errors", 202, "{" ROWS ",\"errors\":[{\"code\":\"Neo.Cl", 0,
     GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_202_empty_errors_then_truncated", 202, "{\"errors\":[]," ROWS, 0, GW_ERR_NEO4J_BAD_RESPONSE, 502,
     502, ""},
    {"inspect_errors_not_array", 400, "{\"errors\":\"boom\"}", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502, ""},
    {"inspect_errors_invalid_json", 202, "{\"errors\":[{\"code\" \"x\"}]}", 0, GW_ERR_NEO4J_BAD_RESPONSE, 502, 502,
     ""},
};

static void inspect_case_outcome(void **state)
{
    const inspect_case *c = *state;
    gw_neo4j_outcome out;

    gw_neo4j_inspect(c->http_status, c->body, strlen(c->body), &out);
    assert_int_equal(out.success, c->success);
    assert_int_equal(out.err, c->err);
    assert_int_equal(out.status, c->status);
    assert_int_equal(out.passthrough_status, c->passthrough_status);
    assert_string_equal(out.code, c->code);
    if (!c->success && c->err == GW_OK && (c->http_status >= 200 && c->http_status < 300))
        assert_false(out.passthrough_status >= 200 && out.passthrough_status < 300);
}

/* The outcome points at the top-level "errors" array in the body. */
static void inspect_errors_span(void **state)
{
    static const char body[] = "{" ROWS ",\"errors\":[{\"code\":\"Neo.ClientError.Statement.SyntaxError\"}]}";
    static const char errors[] = "[{\"code\":\"Neo.ClientError.Statement.SyntaxError\"}]";
    gw_neo4j_outcome out;

    (void)state;
    gw_neo4j_inspect(202, body, strlen(body), &out);
    assert_int_equal(out.errors_length, strlen(errors));
    assert_memory_equal(body + out.errors_offset, errors, out.errors_length);
}

static void inspect_success_has_no_span(void **state)
{
    static const char body[] = "{" ROWS ",\"errors\":[]}";
    gw_neo4j_outcome out;

    (void)state;
    gw_neo4j_inspect(202, body, strlen(body), &out);
    assert_int_equal(out.errors_length, 0);
}

/* Only `len` bytes are read: the same text cut short is truncated JSON. */
static void inspect_uses_length(void **state)
{
    static const char body[] = "{" ROWS "}";
    gw_neo4j_outcome out;

    (void)state;
    gw_neo4j_inspect(202, body, strlen(body) - 1, &out);
    assert_false(out.success);
    assert_int_equal(out.err, GW_ERR_NEO4J_BAD_RESPONSE);
}

static void inspect_long_code_truncated(void **state)
{
    char body[512];
    char code[300];
    gw_neo4j_outcome out;

    (void)state;
    memset(code, 'x', sizeof code - 1);
    code[sizeof code - 1] = '\0';
    memcpy(code, "Neo.ClientError.", 16);
    snprintf(body, sizeof body, "{\"errors\":[{\"code\":\"%s\"}]}", code);
    gw_neo4j_inspect(400, body, strlen(body), &out);
    assert_int_equal(strlen(out.code), sizeof out.code - 1);
    assert_int_equal(out.status, 400);
}

/* gw_json_find_top_level: `expected` is the return value, `value` the text
 * of the span when found. */
typedef struct find_case {
    const char *name;
    const char *text;
    const char *key;
    int expected;
    const char *value;
} find_case;

static const find_case find_cases[] = {
    {"find_first_key", "{\"a\":1,\"b\":2}", "a", 0, "1"},
    {"find_last_key", "{\"a\":1,\"b\":2}", "b", 0, "2"},
    {"find_whitespace", " { \"a\" : [1, 2] ,\n\t\"b\" : true } ", "a", 0, "[1, 2]"},
    {"find_string_value", "{\"k\":\"v\"}", "k", 0, "\"v\""},
    {"find_null_value", "{\"x\":1,\"k\":null}", "k", 0, "null"},
    {"find_number_value", "{\"k\":-1.5e3}", "k", 0, "-1.5e3"},
    {"find_nested_object_skipped", "{\"x\":{\"errors\":[1]},\"errors\":[2]}", "errors", 0, "[2]"},
    {"find_nested_array_skipped", "{\"x\":[{\"errors\":1},[[\"errors\"]]],\"errors\":3}", "errors", 0, "3"},
    {"find_nested_only", "{\"x\":{\"errors\":[1]}}", "errors", 1, NULL},
    {"find_braces_in_string", "{\"s\":\"}{][\",\"k\":[]}", "k", 0, "[]"},
    {"find_braces_in_nested_string", "{\"s\":[\"]}\"],\"k\":{\"a\":\"{\"}}", "k", 0, "{\"a\":\"{\"}"},
    {"find_escaped_quote", "{\"s\":\"a\\\"}b\",\"k\":\"v\"}", "k", 0, "\"v\""},
    {"find_escaped_backslash", "{\"s\":\"a\\\\\",\"k\":true}", "k", 0, "true"},
    {"find_escaped_quote_in_nested", "{\"s\":{\"t\":\"\\\"}\"},\"k\":1}", "k", 0, "1"},
    {"find_key_text_in_value", "{\"s\":\"\\\"errors\\\":1\",\"k\":1}", "errors", 1, NULL},
    {"find_key_prefix", "{\"errorsX\":1,\"err\":2}", "errors", 1, NULL},
    {"find_key_absent", "{\"a\":1}", "b", 1, NULL},
    {"find_empty_object", "{}", "a", 1, NULL},
    {"find_empty_object_spaces", "{ \n }", "a", 1, NULL},
    {"find_not_object_array", "[1]", "a", -1, NULL},
    {"find_not_object_text", "hello", "a", -1, NULL},
    {"find_empty_text", "", "a", -1, NULL},
    {"find_only_spaces", "   ", "a", -1, NULL},
    {"find_truncated_after_value", "{\"a\":1", "b", -1, NULL},
    {"find_truncated_array", "{\"a\":[1,2", "b", -1, NULL},
    {"find_truncated_string", "{\"a\":\"abc", "b", -1, NULL},
    {"find_truncated_key", "{\"a", "b", -1, NULL},
    {"find_truncated_open", "{", "a", -1, NULL},
    {"find_missing_colon", "{\"a\" 1}", "a", -1, NULL},
    {"find_missing_value", "{\"a\":}", "a", -1, NULL},
    {"find_unquoted_key", "{a:1}", "a", -1, NULL},
    {"find_missing_comma", "{\"a\":1 \"b\":2}", "b", -1, NULL},
    {"find_trailing_comma", "{\"a\":1,}", "b", -1, NULL},
};

static void find_top_level_case(void **state)
{
    const find_case *c = *state;
    size_t offset = 99, length = 99;
    int rc = gw_json_find_top_level(c->text, strlen(c->text), c->key, &offset, &length);

    assert_int_equal(rc, c->expected);
    if (c->value) {
        assert_int_equal(length, strlen(c->value));
        assert_memory_equal(c->text + offset, c->value, length);
    }
}

typedef struct code_case {
    const char *name;
    const char *code;
    int status;
} code_case;

static const code_case code_cases[] = {
    {"code_syntax_error", "Neo.ClientError.Statement.SyntaxError", 400},
    {"code_parameter_missing", "Neo.ClientError.Statement.ParameterMissing", 400},
    {"code_request_invalid", "Neo.ClientError.Request.Invalid", 400},
    {"code_schema_constraint", "Neo.ClientError.Schema.ConstraintValidationFailed", 400},
    {"code_access_mode", "Neo.ClientError.Statement.AccessMode", 403},
    {"code_security_forbidden", "Neo.ClientError.Security.Forbidden", 403},
    {"code_security_unauthorized", "Neo.ClientError.Security.Unauthorized", 502},
    {"code_security_rate_limit", "Neo.ClientError.Security.AuthenticationRateLimit", 502},
    {"code_database_not_found", "Neo.ClientError.Database.DatabaseNotFound", 404},
    {"code_transaction_timed_out", "Neo.ClientError.Transaction.TransactionTimedOut", 504},
    {"code_transient_deadlock", "Neo.TransientError.Transaction.DeadlockDetected", 503},
    {"code_transient_unavailable", "Neo.TransientError.General.DatabaseUnavailable", 503},
    {"code_database_error", "Neo.DatabaseError.General.UnknownError", 502},
    {"code_empty", "", 502},
    {"code_unknown_class", "Neo.ClientNotification.Statement.Warning", 502},
    {"code_not_neo4j", "SyntaxError", 502},
    {"code_prefix_without_dot", "Neo.ClientError", 502},
};

static void status_for_code_case(void **state)
{
    const code_case *c = *state;

    assert_int_equal(gw_neo4j_status_for_code(c->code), c->status);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, inspect_cases, inspect_case_outcome);
    UNIT_ADD(&list, inspect_errors_span);
    UNIT_ADD(&list, inspect_success_has_no_span);
    UNIT_ADD(&list, inspect_uses_length);
    UNIT_ADD(&list, inspect_long_code_truncated);
    UNIT_ADD_ROWS(&list, find_cases, find_top_level_case);
    UNIT_ADD_ROWS(&list, code_cases, status_for_code_case);
    return unit_run("neo4j_result", &list);
}
