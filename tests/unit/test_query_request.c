/* test_query_request.c - query request validation and the Neo4j body (gw_query_request.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_query_request.h"

static gw_err parse(const char *text, const char *path_database, gw_query_request *req, gw_error_detail *err)
{
    return gw_query_request_parse(text, strlen(text), path_database, "neo4j", NULL, req, err);
}

static void query_minimal_body(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\"}", NULL, &req, &err), GW_OK);
    assert_non_null(req.body);
    assert_string_equal(req.database, "neo4j");
    assert_int_equal(req.requested_mode, GW_MODE_READ);
    gw_query_request_clear(&req);
    assert_null(req.body);
}

static void query_all_fields(void **state)
{
    static const char body[] =
        "{\"statement\":\"MATCH (n) RETURN n LIMIT $limit\",\"parameters\":{\"limit\":2},"
        "\"bookmarks\":[\"bm1\",\"bm2\"],\"includeCounters\":true,\"accessMode\":\"WRITE\","
        "\"database\":\"movies\"}";
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse(body, NULL, &req, &err), GW_OK);
    assert_string_equal(req.database, "movies");
    assert_int_equal(req.requested_mode, GW_MODE_WRITE);
    assert_null(json_object_get(req.body, "database"));
    assert_non_null(json_object_get(req.body, "bookmarks"));
    gw_query_request_clear(&req);
}

static void query_database_from_body(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\",\"database\":\"sales.eu-1\"}", NULL, &req, &err), GW_OK);
    assert_string_equal(req.database, "sales.eu-1");
    gw_query_request_clear(&req);
}

static void query_database_from_path(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\"}", "movies", &req, &err), GW_OK);
    assert_string_equal(req.database, "movies");
    gw_query_request_clear(&req);
}

static void query_default_database(void **state)
{
    static const char body[] = "{\"statement\":\"RETURN 1\"}";
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_query_request_parse(body, strlen(body), NULL, "graph", NULL, &req, &err), GW_OK);
    assert_string_equal(req.database, "graph");
    gw_query_request_clear(&req);
}

/* On /db/{db}/query/v2 the path names the database, so a "database" field
 * in the body is not part of Neo4j's API and is rejected. */
static void query_path_rejects_body_database(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\",\"database\":\"movies\"}", "neo4j", &req, &err),
                     GW_ERR_INVALID_REQUEST);
    assert_non_null(strstr(err.message, "database"));
    assert_null(req.body);
}

static void query_invalid_path_database(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\"}", "bad/name", &req, &err), GW_ERR_INVALID_REQUEST);
    assert_null(req.body);
}

static void query_access_mode_read(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\",\"accessMode\":\"read\"}", NULL, &req, &err), GW_OK);
    assert_int_equal(req.requested_mode, GW_MODE_READ);
    gw_query_request_clear(&req);
}

/* Bodies that fail with GW_ERR_INVALID_REQUEST. `field` must appear in the
 * message, and `value` is a value from the body that must not. */
typedef struct reject_case {
    const char *name;
    const char *body;
    size_t len; /* 0: strlen(body) */
    const char *field;
    const char *value;
} reject_case;

static const reject_case reject_cases[] = {
    {"query_empty_body", "", 0, NULL, NULL},
    {"query_invalid_json", "{\"statement\":", 0, NULL, NULL},
    {"query_not_json", "RETURN 1", 0, NULL, NULL},
    {"query_trailing_garbage", "{\"statement\":\"RETURN 1\"} x", 0, NULL, NULL},
    {"query_json_array", "[\"RETURN 1\"]", 0, NULL, NULL},
    {"query_json_string", "\"RETURN 1\"", 0, NULL, NULL},
    {"query_statement_missing", "{}", 0, "statement", NULL},
    {"query_statement_missing_with_parameters", "{\"parameters\":{}}", 0, "statement", NULL},
    {"query_statement_empty", "{\"statement\":\"\"}", 0, "statement", NULL},
    {"query_statement_number", "{\"statement\":42}", 0, "statement", NULL},
    {"query_statement_null", "{\"statement\":null}", 0, "statement", NULL},
    {"query_statement_array", "{\"statement\":[\"RETURN 1\"]}", 0, "statement", NULL},
    {"query_parameters_array", "{\"statement\":\"RETURN 1\",\"parameters\":[1,2]}", 0, "parameters", NULL},
    {"query_parameters_string", "{\"statement\":\"RETURN 1\",\"parameters\":\"x=1\"}", 0, "parameters", "x=1"},
    {"query_parameters_null", "{\"statement\":\"RETURN 1\",\"parameters\":null}", 0, "parameters", NULL},
    {"query_bookmarks_string", "{\"statement\":\"RETURN 1\",\"bookmarks\":\"bm-secret\"}", 0, "bookmarks",
     "bm-secret"},
    {"query_bookmarks_number_item", "{\"statement\":\"RETURN 1\",\"bookmarks\":[\"bm-secret\",5]}", 0,
     "bookmarks", "bm-secret"},
    {"query_bookmarks_null_item", "{\"statement\":\"RETURN 1\",\"bookmarks\":[null]}", 0, "bookmarks", NULL},
    {"query_counters_string", "{\"statement\":\"RETURN 1\",\"includeCounters\":\"true\"}", 0, "includeCounters",
     NULL},
    {"query_counters_number", "{\"statement\":\"RETURN 1\",\"includeCounters\":1}", 0, "includeCounters", NULL},
    {"query_access_mode_other", "{\"statement\":\"RETURN 1\",\"accessMode\":\"admin-mode\"}", 0, "accessMode",
     "admin-mode"},
    {"query_access_mode_number", "{\"statement\":\"RETURN 1\",\"accessMode\":1}", 0, "accessMode", NULL},
    {"query_access_mode_empty", "{\"statement\":\"RETURN 1\",\"accessMode\":\"\"}", 0, "accessMode", NULL},
    {"query_database_number", "{\"statement\":\"RETURN 1\",\"database\":5}", 0, "database", NULL},
    {"query_database_slash", "{\"statement\":\"RETURN 1\",\"database\":\"db/secret\"}", 0, "database",
     "db/secret"},
    {"query_database_empty", "{\"statement\":\"RETURN 1\",\"database\":\"\"}", 0, "database", NULL},
    {"query_database_too_long",
     "{\"statement\":\"RETURN 1\",\"database\":"
     "\"a123456789012345678901234567890123456789012345678901234567890123\"}",
     0, "database", NULL},
    {"query_unknown_field", "{\"statement\":\"RETURN 1\",\"timeout\":5}", 0, "timeout", NULL},
    {"query_impersonated_user", "{\"statement\":\"RETURN 1\",\"impersonatedUser\":\"admin-user\"}", 0,
     "impersonatedUser", "admin-user"},
    {"query_duplicate_statement", "{\"statement\":\"RETURN 1\",\"statement\":\"RETURN 2\"}", 0, NULL, NULL},
    {"query_duplicate_access_mode",
     "{\"statement\":\"RETURN 1\",\"accessMode\":\"read\",\"accessMode\":\"write\"}", 0, NULL, NULL},
    {"query_duplicate_nested", "{\"statement\":\"RETURN $x\",\"parameters\":{\"x\":1,\"x\":2}}", 0, NULL, NULL},
    {"query_invalid_utf8", "{\"statement\":\"RETURN '\xff'\"}", 0, NULL, NULL},
    {"query_overlong_utf8", "{\"statement\":\"RETURN '\xc0\xaf'\"}", 0, NULL, NULL},
    {"query_truncated_utf8", "{\"statement\":\"RETURN '\xe2\x82'\"}", 0, NULL, NULL},
    {"query_lone_surrogate", "{\"statement\":\"RETURN '\\ud800'\"}", 0, NULL, NULL},
    {"query_raw_nul", "{\"statement\":\"RETURN 1\"}\0", 25, NULL, NULL},
};

static void query_rejects(void **state)
{
    const reject_case *c = *state;
    size_t len = c->len ? c->len : strlen(c->body);
    gw_query_request req;
    gw_error_detail err;

    memset(&err, 0, sizeof err);
    assert_int_equal(gw_query_request_parse(c->body, len, NULL, "neo4j", NULL, &req, &err), GW_ERR_INVALID_REQUEST);
    assert_null(req.body);
    assert_true(err.message[0] != '\0');
    if (c->field && !strstr(err.message, c->field))
        fail_msg("the message does not name '%s': %s", c->field, err.message);
    if (c->value && strstr(err.message, c->value))
        fail_msg("the message repeats the value '%s': %s", c->value, err.message);
}

static const gw_query_limits limits = {16, 2, 2};

/* A body checked against `limits` and the result it must give. */
typedef struct limit_case {
    const char *name;
    const char *body;
    gw_err expected;
} limit_case;

static const limit_case limit_cases[] = {
    {"limit_statement_at_max", "{\"statement\":\"RETURN 123456789\"}", GW_OK},
    {"limit_statement_too_long", "{\"statement\":\"RETURN 1234567890\"}", GW_ERR_STATEMENT_TOO_LONG},
    {"limit_depth_one", "{\"statement\":\"RETURN 1\",\"parameters\":{\"a\":1}}", GW_OK},
    {"limit_depth_at_max", "{\"statement\":\"RETURN 1\",\"parameters\":{\"a\":{\"b\":1}}}", GW_OK},
    {"limit_depth_empty_list_counts", "{\"statement\":\"RETURN 1\",\"parameters\":{\"a\":{\"b\":[]}}}",
     GW_ERR_PARAMETERS_TOO_DEEP},
    {"limit_depth_over_max", "{\"statement\":\"RETURN 1\",\"parameters\":{\"a\":[[1]]}}",
     GW_ERR_PARAMETERS_TOO_DEEP},
    {"limit_depth_second_value", "{\"statement\":\"RETURN 1\",\"parameters\":{\"a\":1,\"b\":{\"c\":{}}}}",
     GW_ERR_PARAMETERS_TOO_DEEP},
    {"limit_bookmarks_at_max", "{\"statement\":\"RETURN 1\",\"bookmarks\":[\"b1\",\"b2\"]}", GW_OK},
    {"limit_bookmarks_over_max", "{\"statement\":\"RETURN 1\",\"bookmarks\":[\"b1\",\"b2\",\"b3\"]}",
     GW_ERR_TOO_MANY_BOOKMARKS},
};

static void query_limit_case(void **state)
{
    const limit_case *c = *state;
    gw_query_request req;
    gw_error_detail err;

    memset(&err, 0, sizeof err);
    assert_int_equal(gw_query_request_parse(c->body, strlen(c->body), NULL, "neo4j", &limits, &req, &err),
                     c->expected);
    if (c->expected == GW_OK) {
        assert_non_null(req.body);
        gw_query_request_clear(&req);
    } else {
        assert_null(req.body);
        assert_true(err.message[0] != '\0');
    }
}

/* Returns the Neo4j body for `text` with accessMode set to `mode` and the
 * request id "req-1" in plain JSON form. */
static char *neo4j_body(const char *text, gw_mode mode)
{
    gw_query_request req;
    gw_error_detail err;
    size_t len = 0;
    char *out;

    assert_int_equal(parse(text, NULL, &req, &err), GW_OK);
    out = gw_query_request_neo4j_body(&req, mode, "req-1", 0, &len);
    assert_non_null(out);
    assert_int_equal(len, strlen(out));
    gw_query_request_clear(&req);
    return out;
}

/* Returns the serialised value of member `key` in `text`: the characters
 * after "key": up to the next ',' or '}'. Only for scalar values. */
static const char *member_text(const char *text, const char *key, char *buf, size_t cap)
{
    char pattern[64];
    const char *start;
    size_t len;

    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    start = strstr(text, pattern);
    if (!start)
        fail_msg("no member '%s' in %s", key, text);
    start += strlen(pattern);
    len = strcspn(start, ",}");
    assert_true(len < cap);
    memcpy(buf, start, len);
    buf[len] = '\0';
    return buf;
}

static void neo4j_body_integers_stay_integers(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN $limit\",\"parameters\":{\"limit\":2,\"ratio\":2.5,"
                           "\"max\":9223372036854775807,\"min\":-9223372036854775808,\"zero\":0,\"neg\":-7}}",
                           GW_MODE_READ);
    char buf[64];

    (void)state;
    assert_string_equal(member_text(out, "limit", buf, sizeof buf), "2");
    assert_string_equal(member_text(out, "ratio", buf, sizeof buf), "2.5");
    assert_string_equal(member_text(out, "max", buf, sizeof buf), "9223372036854775807");
    assert_string_equal(member_text(out, "min", buf, sizeof buf), "-9223372036854775808");
    assert_string_equal(member_text(out, "zero", buf, sizeof buf), "0");
    assert_string_equal(member_text(out, "neg", buf, sizeof buf), "-7");
    free(out);
}

/* A real written as 2.0 by the client stays a real. */
static void neo4j_body_real_stays_real(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN $x\",\"parameters\":{\"x\":2.0,\"y\":1e3}}", GW_MODE_READ);
    json_t *parsed = json_loads(out, 0, NULL);

    (void)state;
    assert_non_null(parsed);
    assert_true(json_is_real(json_object_get(json_object_get(parsed, "parameters"), "x")));
    assert_true(json_is_real(json_object_get(json_object_get(parsed, "parameters"), "y")));
    json_decref(parsed);
    free(out);
}

static void neo4j_body_integer_out_of_range(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN $x\",\"parameters\":{\"x\":9223372036854775808}}", NULL, &req,
                           &err),
                     GW_ERR_INVALID_REQUEST);
}

/* The request id goes into the parameters so the gateway can find the
 * query in SHOW TRANSACTIONS, so a client cannot choose that name itself. */
static void neo4j_body_adds_request_id(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN $a\",\"parameters\":{\"a\":1}}", GW_MODE_READ);
    json_t *parsed = json_loads(out, 0, NULL);
    json_t *parameters = json_object_get(parsed, "parameters");

    (void)state;
    assert_non_null(parsed);
    assert_string_equal(json_string_value(json_object_get(parameters, GW_REQUEST_ID_PARAMETER)), "req-1");
    assert_int_equal(json_integer_value(json_object_get(parameters, "a")), 1);
    assert_int_equal(json_object_size(parameters), 2);
    json_decref(parsed);
    free(out);
}

static void neo4j_body_request_id_without_parameters(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN 1\"}", GW_MODE_READ);
    json_t *parsed = json_loads(out, 0, NULL);
    json_t *parameters = json_object_get(parsed, "parameters");

    (void)state;
    assert_true(json_is_object(parameters));
    assert_string_equal(json_string_value(json_object_get(parameters, GW_REQUEST_ID_PARAMETER)), "req-1");
    json_decref(parsed);
    free(out);
}

static void neo4j_body_typed_request_id(void **state)
{
    gw_query_request req;
    gw_error_detail err;
    size_t len = 0;
    char *out;
    json_t *parsed, *id;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\"}", NULL, &req, &err), GW_OK);
    out = gw_query_request_neo4j_body(&req, GW_MODE_READ, "req-2", 1, &len);
    assert_non_null(out);
    parsed = json_loads(out, 0, NULL);
    id = json_object_get(json_object_get(parsed, "parameters"), GW_REQUEST_ID_PARAMETER);
    assert_string_equal(json_string_value(json_object_get(id, "$type")), "String");
    assert_string_equal(json_string_value(json_object_get(id, "_value")), "req-2");
    json_decref(parsed);
    free(out);
    gw_query_request_clear(&req);
}

static void query_reserved_parameter(void **state)
{
    gw_query_request req;
    gw_error_detail err;

    (void)state;
    assert_int_equal(parse("{\"statement\":\"RETURN 1\",\"parameters\":{\"" GW_REQUEST_ID_PARAMETER "\":\"x\"}}",
                           NULL, &req, &err),
                     GW_ERR_INVALID_REQUEST);
    assert_non_null(strstr(err.message, GW_REQUEST_ID_PARAMETER));
    assert_null(req.body);
}

static void neo4j_body_access_mode_read(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN 1\"}", GW_MODE_READ);

    (void)state;
    assert_non_null(strstr(out, "\"accessMode\":\"Read\""));
    free(out);
}

static void neo4j_body_access_mode_write(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN 1\"}", GW_MODE_WRITE);

    (void)state;
    assert_non_null(strstr(out, "\"accessMode\":\"Write\""));
    free(out);
}

/* The gateway's decision replaces the client's accessMode, so the body
 * has exactly one accessMode and it is the gateway's. */
static void neo4j_body_replaces_client_mode(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN 1\",\"accessMode\":\"write\"}", GW_MODE_READ);
    const char *first = strstr(out, "accessMode");

    (void)state;
    assert_non_null(first);
    assert_null(strstr(first + 1, "accessMode"));
    assert_non_null(strstr(out, "\"accessMode\":\"Read\""));
    assert_null(strstr(out, "\"write\""));
    free(out);
}

static void neo4j_body_drops_database(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN 1\",\"database\":\"movies\"}", GW_MODE_READ);

    (void)state;
    assert_null(strstr(out, "database"));
    assert_null(strstr(out, "movies"));
    free(out);
}

static void neo4j_body_keeps_fields(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN $a\",\"parameters\":{\"a\":\"x\"},\"bookmarks\":[\"bm1\"],"
                           "\"includeCounters\":true}",
                           GW_MODE_READ);
    json_t *parsed = json_loads(out, 0, NULL);

    (void)state;
    assert_non_null(parsed);
    assert_string_equal(json_string_value(json_object_get(parsed, "statement")), "RETURN $a");
    assert_string_equal(json_string_value(json_object_get(json_object_get(parsed, "parameters"), "a")), "x");
    assert_string_equal(json_string_value(json_array_get(json_object_get(parsed, "bookmarks"), 0)), "bm1");
    assert_true(json_is_true(json_object_get(parsed, "includeCounters")));
    assert_int_equal(json_object_size(parsed), 5);
    json_decref(parsed);
    free(out);
}

/* Text in the statement is passed on unchanged, including escapes. */
static void neo4j_body_keeps_unicode(void **state)
{
    char *out = neo4j_body("{\"statement\":\"RETURN '\xc3\xa9\\u00e9\\\"'\"}", GW_MODE_READ);
    json_t *parsed = json_loads(out, 0, NULL);

    (void)state;
    assert_non_null(parsed);
    assert_string_equal(json_string_value(json_object_get(parsed, "statement")), "RETURN '\xc3\xa9\xc3\xa9\"'");
    json_decref(parsed);
    free(out);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, query_minimal_body);
    UNIT_ADD(&list, query_all_fields);
    UNIT_ADD(&list, query_database_from_body);
    UNIT_ADD(&list, query_database_from_path);
    UNIT_ADD(&list, query_default_database);
    UNIT_ADD(&list, query_path_rejects_body_database);
    UNIT_ADD(&list, query_invalid_path_database);
    UNIT_ADD(&list, query_access_mode_read);
    UNIT_ADD_ROWS(&list, reject_cases, query_rejects);
    UNIT_ADD_ROWS(&list, limit_cases, query_limit_case);
    UNIT_ADD(&list, neo4j_body_integers_stay_integers);
    UNIT_ADD(&list, neo4j_body_real_stays_real);
    UNIT_ADD(&list, neo4j_body_integer_out_of_range);
    UNIT_ADD(&list, neo4j_body_adds_request_id);
    UNIT_ADD(&list, neo4j_body_request_id_without_parameters);
    UNIT_ADD(&list, neo4j_body_typed_request_id);
    UNIT_ADD(&list, query_reserved_parameter);
    UNIT_ADD(&list, neo4j_body_access_mode_read);
    UNIT_ADD(&list, neo4j_body_access_mode_write);
    UNIT_ADD(&list, neo4j_body_replaces_client_mode);
    UNIT_ADD(&list, neo4j_body_drops_database);
    UNIT_ADD(&list, neo4j_body_keeps_fields);
    UNIT_ADD(&list, neo4j_body_keeps_unicode);
    return unit_run("query_request", &list);
}
