/* test_route.c - matching of method and path to a route (gw_route.h). */
#include "unit_table.h"

#include <stdio.h>
#include <string.h>

#include "gw_route.h"

#define DB_TEMPLATE "/db/{database}/query/v2"

/* One request line and the match it must give. `allow` is NULL when the
 * route sets none, and `database` is checked on GW_ROUTE_DB_QUERY only. */
typedef struct route_case {
    const char *name;
    const char *method;
    const char *path;
    gw_err expected;
    gw_route_id id;
    const char *template;
    const char *allow;
    const char *database;
} route_case;

static const route_case route_cases[] = {
    {"route_token_post", "POST", "/token", GW_OK, GW_ROUTE_TOKEN, "/token", "POST", NULL},
    {"route_token_get", "GET", "/token", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/token", "POST", NULL},
    {"route_token_head", "HEAD", "/token", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/token", "POST", NULL},
    {"route_token_lowercase_method", "post", "/token", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/token", "POST",
     NULL},
    {"route_query_post", "POST", "/query", GW_OK, GW_ROUTE_QUERY, "/query", "POST", NULL},
    {"route_query_put", "PUT", "/query", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/query", "POST", NULL},
    {"route_query_get", "GET", "/query", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/query", "POST", NULL},
    {"route_health_get", "GET", "/health", GW_OK, GW_ROUTE_HEALTH, "/health", "GET, HEAD", NULL},
    {"route_health_head", "HEAD", "/health", GW_OK, GW_ROUTE_HEALTH, "/health", "GET, HEAD", NULL},
    {"route_health_post", "POST", "/health", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/health", "GET, HEAD",
     NULL},
    {"route_ready_get", "GET", "/ready", GW_OK, GW_ROUTE_READY, "/ready", "GET, HEAD", NULL},
    {"route_ready_head", "HEAD", "/ready", GW_OK, GW_ROUTE_READY, "/ready", "GET, HEAD", NULL},
    {"route_ready_delete", "DELETE", "/ready", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, "/ready", "GET, HEAD",
     NULL},
    {"route_db_query_post", "POST", "/db/neo4j/query/v2", GW_OK, GW_ROUTE_DB_QUERY, DB_TEMPLATE, "POST", "neo4j"},
    {"route_db_query_name_chars", "POST", "/db/Sales.eu-1_x/query/v2", GW_OK, GW_ROUTE_DB_QUERY, DB_TEMPLATE,
     "POST", "Sales.eu-1_x"},
    {"route_db_query_digit_start", "POST", "/db/2024/query/v2", GW_OK, GW_ROUTE_DB_QUERY, DB_TEMPLATE, "POST",
     "2024"},
    {"route_db_query_get", "GET", "/db/neo4j/query/v2", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, DB_TEMPLATE,
     "POST", NULL},
    {"route_db_query_head", "HEAD", "/db/neo4j/query/v2", GW_ERR_METHOD_NOT_ALLOWED, GW_ROUTE_NONE, DB_TEMPLATE,
     "POST", NULL},
    {"route_db_empty_name", "POST", "/db//query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE, "POST",
     NULL},
    {"route_db_bad_char", "POST", "/db/bad$name/query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE,
     "POST", NULL},
    {"route_db_space", "POST", "/db/my db/query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE, "POST",
     NULL},
    {"route_db_leading_dash", "POST", "/db/-neo4j/query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE,
     "POST", NULL},
    {"route_db_dot_dot", "POST", "/db/../query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE, "POST",
     NULL},
    {"route_db_percent", "POST", "/db/a%2Fb/query/v2", GW_ERR_INVALID_REQUEST, GW_ROUTE_NONE, DB_TEMPLATE, "POST",
     NULL},
    /* %2F arrives decoded, so "a%2Fb" is the path below: another route. */
    {"route_db_decoded_slash", "POST", "/db/a/b/query/v2", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_db_trailing_slash", "POST", "/db/neo4j/query/v2/", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL,
     NULL},
    {"route_db_without_version", "POST", "/db/neo4j/query", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_db_other_version", "POST", "/db/neo4j/query/v3", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_db_without_query", "POST", "/db/neo4j", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_db_prefix_only", "POST", "/db/", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_token_trailing_slash", "POST", "/token/", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_health_trailing_slash", "GET", "/health/", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_query_uppercase", "POST", "/QUERY", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_query_with_query_string", "POST", "/query?x=1", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_double_slash", "POST", "//token", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_root", "GET", "/", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "other", NULL, NULL},
    {"route_empty_path", "GET", "", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "invalid", NULL, NULL},
    {"route_relative_path", "POST", "token", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "invalid", NULL, NULL},
    {"route_asterisk", "OPTIONS", "*", GW_ERR_NOT_FOUND, GW_ROUTE_NONE, "invalid", NULL, NULL},
};

static void route_case_match(void **state)
{
    const route_case *c = *state;
    gw_route route;

    assert_int_equal(gw_route_match(c->method, c->path, &route), c->expected);
    assert_int_equal(route.id, c->id);
    assert_non_null(route.name);
    assert_string_equal(route.name, c->template);
    if (c->allow) {
        assert_non_null(route.allow);
        assert_string_equal(route.allow, c->allow);
    } else {
        assert_null(route.allow);
    }
    if (c->database)
        assert_string_equal(route.database, c->database);
}

static void route_db_name_max_length(void **state)
{
    char name[GW_DB_NAME_MAX + 1];
    char path[128];
    gw_route route;

    (void)state;
    memset(name, 'd', GW_DB_NAME_MAX);
    name[GW_DB_NAME_MAX] = '\0';
    snprintf(path, sizeof path, "/db/%s/query/v2", name);
    assert_int_equal(gw_route_match("POST", path, &route), GW_OK);
    assert_int_equal(route.id, GW_ROUTE_DB_QUERY);
    assert_string_equal(route.database, name);
}

static void route_db_name_too_long(void **state)
{
    char name[GW_DB_NAME_MAX + 2];
    char path[128];
    gw_route route;

    (void)state;
    memset(name, 'd', GW_DB_NAME_MAX + 1);
    name[GW_DB_NAME_MAX + 1] = '\0';
    snprintf(path, sizeof path, "/db/%s/query/v2", name);
    assert_int_equal(gw_route_match("POST", path, &route), GW_ERR_INVALID_REQUEST);
    assert_int_equal(route.id, GW_ROUTE_NONE);
}

static void route_db_name_very_long(void **state)
{
    char path[2048];
    gw_route route;

    (void)state;
    memcpy(path, "/db/", 4);
    memset(path + 4, 'd', 1500);
    strcpy(path + 4 + 1500, "/query/v2");
    assert_int_equal(gw_route_match("POST", path, &route), GW_ERR_INVALID_REQUEST);
    assert_int_equal(route.database[0], '\0');
}

/* A failed match leaves no database name from the path behind. */
static void route_invalid_name_not_kept(void **state)
{
    gw_route route;

    (void)state;
    assert_int_equal(gw_route_match("POST", "/db/neo4j/query/v2", &route), GW_OK);
    assert_int_equal(gw_route_match("POST", "/token/", &route), GW_ERR_NOT_FOUND);
    assert_string_equal(route.database, "");
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, route_cases, route_case_match);
    UNIT_ADD(&list, route_db_name_max_length);
    UNIT_ADD(&list, route_db_name_too_long);
    UNIT_ADD(&list, route_db_name_very_long);
    UNIT_ADD(&list, route_invalid_name_not_kept);
    return unit_run("route", &list);
}
