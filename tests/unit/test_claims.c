/* test_claims.c - reading and time checks of access-token claims (gw_claims.h). */
#include "unit_table.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "gw_claims.h"

/* A frozen clock: every time check runs at this instant. */
#define NOW 1700000000LL
#define LEEWAY 30

static const gw_claims_rules rules = {"gw-test", "api", LEEWAY};

/* Returns a new payload that passes gw_claims_parse, for cases to edit. */
static json_t *valid_payload(void)
{
    json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:[s, s], s:s}",
                                "iss", "gw-test", "aud", "api", "sub", "app", "jti", "abc123",
                                "iat", (json_int_t)NOW, "nbf", (json_int_t)NOW, "exp", (json_int_t)(NOW + 900),
                                "db", "neo4j", "movies", "mode", "read");

    assert_non_null(payload);
    return payload;
}

/* Returns a string of `len` copies of `c`, in a static buffer. */
static const char *repeat(char c, size_t len)
{
    static char buf[512];

    assert_true(len < sizeof buf);
    memset(buf, c, len);
    buf[len] = '\0';
    return buf;
}

static void claims_parse_valid(void **state)
{
    json_t *payload = valid_payload();
    gw_claims claims;

    (void)state;
    assert_int_equal(gw_claims_parse(payload, &rules, &claims), GW_TOKEN_OK);
    assert_string_equal(claims.sub, "app");
    assert_string_equal(claims.jti, "abc123");
    assert_true(claims.has_exp);
    assert_int_equal(claims.exp, NOW + 900);
    assert_true(claims.has_nbf);
    assert_int_equal(claims.nbf, NOW);
    assert_true(claims.has_iat);
    assert_int_equal(claims.iat, NOW);
    assert_int_equal(claims.n_db, 2);
    assert_string_equal(claims.db[0], "neo4j");
    assert_string_equal(claims.db[1], "movies");
    assert_false(claims.db_all);
    assert_int_equal(claims.mode, GW_MODE_READ);
    json_decref(payload);
}

static void claims_parse_minimal(void **state)
{
    json_t *payload = valid_payload();
    gw_claims claims;

    (void)state;
    json_object_del(payload, "jti");
    json_object_del(payload, "nbf");
    json_object_del(payload, "iat");
    assert_int_equal(gw_claims_parse(payload, &rules, &claims), GW_TOKEN_OK);
    assert_false(claims.has_nbf);
    assert_false(claims.has_iat);
    assert_string_equal(claims.jti, "");
    json_decref(payload);
}

/* One edit of the valid payload and the result it must give. `set` is a
 * JSON object whose members replace those of the payload. */
typedef struct parse_case {
    const char *name;
    const char *set;
    const char *del;
    gw_token_err expected;
} parse_case;

static const parse_case parse_cases[] = {
    {"claims_exp_missing", NULL, "exp", GW_TOKEN_MISSING_EXP},
    {"claims_exp_string", "{\"exp\": \"1700000900\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_exp_float", "{\"exp\": 1700000900.0}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_exp_fraction", "{\"exp\": 1700000900.5}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_exp_null", "{\"exp\": null}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_exp_bool", "{\"exp\": true}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_nbf_string", "{\"nbf\": \"1700000000\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_iat_float", "{\"iat\": 1700000000.0}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_iss_other", "{\"iss\": \"evil\"}", NULL, GW_TOKEN_WRONG_ISSUER},
    {"claims_iss_prefix", "{\"iss\": \"gw-tes\"}", NULL, GW_TOKEN_WRONG_ISSUER},
    {"claims_iss_missing", NULL, "iss", GW_TOKEN_WRONG_ISSUER},
    {"claims_iss_number", "{\"iss\": 1}", NULL, GW_TOKEN_WRONG_ISSUER},
    {"claims_iss_array", "{\"iss\": [\"gw-test\"]}", NULL, GW_TOKEN_WRONG_ISSUER},
    {"claims_aud_other", "{\"aud\": \"other\"}", NULL, GW_TOKEN_WRONG_AUDIENCE},
    {"claims_aud_missing", NULL, "aud", GW_TOKEN_WRONG_AUDIENCE},
    {"claims_aud_number", "{\"aud\": 7}", NULL, GW_TOKEN_WRONG_AUDIENCE},
    {"claims_aud_array_match", "{\"aud\": [\"other\", \"api\"]}", NULL, GW_TOKEN_OK},
    {"claims_aud_array_single", "{\"aud\": [\"api\"]}", NULL, GW_TOKEN_OK},
    {"claims_aud_array_no_match", "{\"aud\": [\"other\", \"apis\"]}", NULL, GW_TOKEN_WRONG_AUDIENCE},
    {"claims_aud_array_empty", "{\"aud\": []}", NULL, GW_TOKEN_WRONG_AUDIENCE},
    {"claims_aud_array_non_string", "{\"aud\": [1, null]}", NULL, GW_TOKEN_WRONG_AUDIENCE},
    {"claims_sub_missing", NULL, "sub", GW_TOKEN_BAD_CLAIMS},
    {"claims_sub_empty", "{\"sub\": \"\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_sub_number", "{\"sub\": 42}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_sub_embedded_nul", "{\"sub\": \"a\\u0000b\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_jti_number", "{\"jti\": 5}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_jti_empty", "{\"jti\": \"\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_star", "{\"db\": [\"*\"]}", NULL, GW_TOKEN_OK},
    {"claims_db_single", "{\"db\": [\"neo4j\"]}", NULL, GW_TOKEN_OK},
    {"claims_db_dotted_name", "{\"db\": [\"sales.eu-1_x\"]}", NULL, GW_TOKEN_OK},
    {"claims_db_missing", NULL, "db", GW_TOKEN_BAD_CLAIMS},
    {"claims_db_empty", "{\"db\": []}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_string", "{\"db\": \"neo4j\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_number_item", "{\"db\": [\"neo4j\", 1]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_empty_name", "{\"db\": [\"\"]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_slash", "{\"db\": [\"neo4j/x\"]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_leading_dash", "{\"db\": [\"-neo4j\"]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_space", "{\"db\": [\"my db\"]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_db_star_prefix", "{\"db\": [\"neo*\"]}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_mode_write", "{\"mode\": \"write\"}", NULL, GW_TOKEN_OK},
    {"claims_mode_admin", "{\"mode\": \"admin\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_mode_upper", "{\"mode\": \"READ\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_mode_empty", "{\"mode\": \"\"}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_mode_number", "{\"mode\": 1}", NULL, GW_TOKEN_BAD_CLAIMS},
    {"claims_mode_missing", NULL, "mode", GW_TOKEN_BAD_CLAIMS},
};

static void claims_parse_case(void **state)
{
    const parse_case *c = *state;
    json_t *payload = valid_payload();
    gw_claims claims;

    if (c->set) {
        json_t *changes = json_loads(c->set, JSON_ALLOW_NUL, NULL);

        assert_non_null(changes);
        assert_int_equal(json_object_update(payload, changes), 0);
        json_decref(changes);
    }
    if (c->del)
        assert_int_equal(json_object_del(payload, c->del), 0);

    assert_int_equal(gw_claims_parse(payload, &rules, &claims), c->expected);
    json_decref(payload);
}

static void claims_payload_not_object(void **state)
{
    json_t *array = json_array();
    gw_claims claims;

    (void)state;
    assert_int_equal(gw_claims_parse(array, &rules, &claims), GW_TOKEN_BAD_CLAIMS);
    assert_int_equal(gw_claims_parse(NULL, &rules, &claims), GW_TOKEN_BAD_CLAIMS);
    json_decref(array);
}

static gw_token_err parse_with(const char *key, json_t *value, gw_claims *claims)
{
    json_t *payload = valid_payload();
    gw_token_err rc;

    assert_int_equal(json_object_set_new(payload, key, value), 0);
    rc = gw_claims_parse(payload, &rules, claims);
    json_decref(payload);
    return rc;
}

static void claims_sub_max_length(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("sub", json_string(repeat('s', GW_CLAIMS_SUB_MAX)), &claims), GW_TOKEN_OK);
    assert_int_equal(strlen(claims.sub), GW_CLAIMS_SUB_MAX);
}

static void claims_sub_too_long(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("sub", json_string(repeat('s', GW_CLAIMS_SUB_MAX + 1)), &claims),
                     GW_TOKEN_BAD_CLAIMS);
}

static void claims_jti_max_length(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("jti", json_string(repeat('j', GW_CLAIMS_JTI_MAX)), &claims), GW_TOKEN_OK);
    assert_int_equal(strlen(claims.jti), GW_CLAIMS_JTI_MAX);
}

static void claims_jti_too_long(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("jti", json_string(repeat('j', GW_CLAIMS_JTI_MAX + 1)), &claims),
                     GW_TOKEN_BAD_CLAIMS);
}

static void claims_db_name_max_length(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("db", json_pack("[s]", repeat('d', GW_DB_NAME_MAX)), &claims), GW_TOKEN_OK);
    assert_int_equal(strlen(claims.db[0]), GW_DB_NAME_MAX);
}

static void claims_db_name_too_long(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("db", json_pack("[s]", repeat('d', GW_DB_NAME_MAX + 1)), &claims),
                     GW_TOKEN_BAD_CLAIMS);
}

static json_t *database_list(size_t count)
{
    json_t *list = json_array();

    for (size_t i = 0; i < count; i++) {
        char name[32];

        snprintf(name, sizeof name, "db%zu", i);
        assert_int_equal(json_array_append_new(list, json_string(name)), 0);
    }
    return list;
}

static void claims_db_max_count(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("db", database_list(GW_CLAIMS_MAX_DB), &claims), GW_TOKEN_OK);
    assert_int_equal(claims.n_db, GW_CLAIMS_MAX_DB);
    assert_string_equal(claims.db[GW_CLAIMS_MAX_DB - 1], "db31");
}

static void claims_db_too_many(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("db", database_list(GW_CLAIMS_MAX_DB + 1), &claims), GW_TOKEN_BAD_CLAIMS);
}

static void claims_db_star_sets_all(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("db", json_pack("[s, s]", "neo4j", "*"), &claims), GW_TOKEN_OK);
    assert_true(claims.db_all);
    assert_int_equal(claims.n_db, 2);
}

static void claims_mode_write_parsed(void **state)
{
    gw_claims claims;

    (void)state;
    assert_int_equal(parse_with("mode", json_string("write"), &claims), GW_TOKEN_OK);
    assert_int_equal(claims.mode, GW_MODE_WRITE);
}

/* Time claims as offsets from NOW. A zero `has_*` leaves the claim out. */
typedef struct time_case {
    const char *name;
    int has_exp;
    long long exp;
    int has_nbf;
    long long nbf;
    int has_iat;
    long long iat;
    long long leeway;
    gw_token_err expected;
} time_case;

static const time_case time_cases[] = {
    {"time_exp_future", 1, 900, 0, 0, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_exp_missing", 0, 0, 0, 0, 0, 0, LEEWAY, GW_TOKEN_MISSING_EXP},
    {"time_exp_now_within_leeway", 1, 0, 0, 0, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_exp_leeway_minus_one", 1, -(LEEWAY - 1), 0, 0, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_exp_at_leeway_edge", 1, -LEEWAY, 0, 0, 0, 0, LEEWAY, GW_TOKEN_EXPIRED},
    {"time_exp_past_leeway", 1, -(LEEWAY + 1), 0, 0, 0, 0, LEEWAY, GW_TOKEN_EXPIRED},
    {"time_exp_now_no_leeway", 1, 0, 0, 0, 0, 0, 0, GW_TOKEN_EXPIRED},
    {"time_exp_next_second_no_leeway", 1, 1, 0, 0, 0, 0, 0, GW_TOKEN_OK},
    {"time_nbf_past", 1, 900, 1, -60, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_nbf_20s_ahead", 1, 900, 1, 20, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_nbf_at_leeway_edge", 1, 900, 1, LEEWAY, 0, 0, LEEWAY, GW_TOKEN_OK},
    {"time_nbf_past_leeway_edge", 1, 900, 1, LEEWAY + 1, 0, 0, LEEWAY, GW_TOKEN_NOT_YET_VALID},
    {"time_nbf_120s_ahead", 1, 900, 1, 120, 0, 0, LEEWAY, GW_TOKEN_NOT_YET_VALID},
    {"time_nbf_1s_ahead_no_leeway", 1, 900, 1, 1, 0, 0, 0, GW_TOKEN_NOT_YET_VALID},
    {"time_iat_past", 1, 900, 0, 0, 1, -60, LEEWAY, GW_TOKEN_OK},
    {"time_iat_at_leeway_edge", 1, 900, 0, 0, 1, LEEWAY, LEEWAY, GW_TOKEN_OK},
    {"time_iat_past_leeway_edge", 1, 900, 0, 0, 1, LEEWAY + 1, LEEWAY, GW_TOKEN_ISSUED_IN_FUTURE},
    {"time_iat_120s_ahead", 1, 900, 0, 0, 1, 120, LEEWAY, GW_TOKEN_ISSUED_IN_FUTURE},
    {"time_expired_before_nbf", 1, -LEEWAY, 1, 120, 0, 0, LEEWAY, GW_TOKEN_EXPIRED},
    {"time_nbf_before_iat", 1, 900, 1, 120, 1, 120, LEEWAY, GW_TOKEN_NOT_YET_VALID},
};

static void claims_time_case(void **state)
{
    const time_case *c = *state;
    gw_claims claims;
    gw_claims_rules time_rules = rules;

    memset(&claims, 0, sizeof claims);
    claims.has_exp = c->has_exp;
    claims.exp = NOW + c->exp;
    claims.has_nbf = c->has_nbf;
    claims.nbf = NOW + c->nbf;
    claims.has_iat = c->has_iat;
    claims.iat = NOW + c->iat;
    time_rules.leeway_s = c->leeway;

    assert_int_equal(gw_claims_check_time(&claims, &time_rules, NOW), c->expected);
}

static gw_claims claims_with(const char *first, const char *second)
{
    gw_claims claims;

    memset(&claims, 0, sizeof claims);
    strcpy(claims.db[claims.n_db++], first);
    if (second)
        strcpy(claims.db[claims.n_db++], second);
    return claims;
}

static void allow_database_listed(void **state)
{
    gw_claims claims = claims_with("neo4j", "movies");

    (void)state;
    assert_true(gw_claims_allow_database(&claims, "neo4j"));
    assert_true(gw_claims_allow_database(&claims, "movies"));
}

static void allow_database_unlisted(void **state)
{
    gw_claims claims = claims_with("neo4j", "movies");

    (void)state;
    assert_false(gw_claims_allow_database(&claims, "system"));
    assert_false(gw_claims_allow_database(&claims, "neo"));
    assert_false(gw_claims_allow_database(&claims, "neo4j2"));
    assert_false(gw_claims_allow_database(&claims, ""));
}

/* Neo4j treats database names case-insensitively, so the check does too:
 * otherwise "SYSTEM" would slip past the rule for "system". */
static void allow_database_ignores_case(void **state)
{
    gw_claims claims = claims_with("neo4j", "movies");
    gw_claims star = claims_with("*", NULL);

    (void)state;
    star.db_all = 1;
    assert_true(gw_claims_allow_database(&claims, "Neo4j"));
    assert_true(gw_claims_allow_database(&claims, "MOVIES"));
    assert_false(gw_claims_allow_database(&star, "SYSTEM"));
    assert_false(gw_claims_allow_database(&star, "System"));
}

static void allow_database_star(void **state)
{
    gw_claims claims = claims_with("*", NULL);

    (void)state;
    claims.db_all = 1;
    assert_true(gw_claims_allow_database(&claims, "neo4j"));
    /* "*" never covers the system database. */
    assert_false(gw_claims_allow_database(&claims, "system"));
}

static void allow_database_none(void **state)
{
    gw_claims claims;

    (void)state;
    memset(&claims, 0, sizeof claims);
    assert_false(gw_claims_allow_database(&claims, "neo4j"));
}

/* Names are unique, and no description is empty. */
static void token_errors_have_texts(void **state)
{
    (void)state;
    for (int i = GW_TOKEN_OK; i <= GW_TOKEN_NOMEM; i++) {
        const char *text = gw_token_strerror((gw_token_err)i);
        const char *name = gw_token_err_name((gw_token_err)i);

        if (text[0] == '\0')
            fail_msg("gw_token_err %d has no description", i);
        if (name[0] == '\0')
            fail_msg("gw_token_err %d has no name", i);
        for (int j = GW_TOKEN_OK; j < i; j++) {
            if (strcmp(name, gw_token_err_name((gw_token_err)j)) == 0)
                fail_msg("gw_token_err %d and %d share the name '%s'", j, i, name);
        }
    }
    assert_string_equal(gw_token_err_name(GW_TOKEN_EXPIRED), "expired");
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, claims_parse_valid);
    UNIT_ADD(&list, claims_parse_minimal);
    UNIT_ADD_ROWS(&list, parse_cases, claims_parse_case);
    UNIT_ADD(&list, claims_payload_not_object);
    UNIT_ADD(&list, claims_sub_max_length);
    UNIT_ADD(&list, claims_sub_too_long);
    UNIT_ADD(&list, claims_jti_max_length);
    UNIT_ADD(&list, claims_jti_too_long);
    UNIT_ADD(&list, claims_db_name_max_length);
    UNIT_ADD(&list, claims_db_name_too_long);
    UNIT_ADD(&list, claims_db_max_count);
    UNIT_ADD(&list, claims_db_too_many);
    UNIT_ADD(&list, claims_db_star_sets_all);
    UNIT_ADD(&list, claims_mode_write_parsed);
    UNIT_ADD_ROWS(&list, time_cases, claims_time_case);
    UNIT_ADD(&list, allow_database_listed);
    UNIT_ADD(&list, allow_database_unlisted);
    UNIT_ADD(&list, allow_database_ignores_case);
    UNIT_ADD(&list, allow_database_star);
    UNIT_ADD(&list, allow_database_none);
    UNIT_ADD(&list, token_errors_have_texts);
    return unit_run("claims", &list);
}
