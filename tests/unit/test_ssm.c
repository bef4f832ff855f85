/* test_ssm.c - the I/O-free parts of gw_ssm.h: batching, the request body,
 * GetParameters responses, error classification, backoff bounds, settings and
 * failure messages. */
#include "unit.h"
#include "unit_table.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_config.h"
#include "gw_ssm.h"

/* ---- batching ---------------------------------------------------------- */

static const char *names_buf[64];
static char name_storage[64][32];

/* Returns `n` distinct names "/p/00", "/p/01", ... */
static const char *const *make_names(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(name_storage[i], sizeof name_storage[i], "/p/%02zu", i);
        names_buf[i] = name_storage[i];
    }
    return names_buf;
}

typedef struct batch_case {
    const char *name;
    size_t n;
    size_t batches;
    size_t last_count;
} batch_case;

static const batch_case batch_cases[] = {
    {"plan 0 names", 0, 0, 0},  {"plan 1 name", 1, 1, 1},      {"plan 9 names", 9, 1, 9},
    {"plan 10 names", 10, 1, 10}, {"plan 11 names", 11, 2, 1}, {"plan 20 names", 20, 2, 10},
    {"plan 25 names", 25, 3, 5}, {"plan 64 names", 64, 7, 4},
};

static void plan_case(void **state)
{
    const batch_case *c = *state;
    gw_ssm_plan plan;
    size_t covered = 0;

    assert_int_equal(gw_ssm_plan_make(make_names(c->n), c->n, &plan), GW_AWS_OK);
    assert_int_equal(plan.n_unique, c->n);
    assert_int_equal(plan.n_batches, c->batches);
    for (size_t b = 0; b < plan.n_batches; b++) {
        size_t start, count;

        gw_ssm_plan_batch(&plan, b, &start, &count);
        assert_int_equal(start, covered);
        assert_true(count >= 1);
        assert_true(count <= GW_SSM_MAX_BATCH);
        if (b + 1 == plan.n_batches)
            assert_int_equal(count, c->last_count);
        covered += count;
    }
    assert_int_equal(covered, c->n);
    gw_ssm_plan_clear(&plan);
}

static void plan_merges_duplicates(void **state)
{
    const char *names[] = {"/a", "/b", "/a", "/c", "/b"};
    gw_ssm_plan plan;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 5, &plan), GW_AWS_OK);
    assert_int_equal(plan.n_unique, 3);
    assert_string_equal(plan.unique[0], "/a");
    assert_string_equal(plan.unique[1], "/b");
    assert_string_equal(plan.unique[2], "/c");
    assert_int_equal(plan.index_of[0], 0);
    assert_int_equal(plan.index_of[2], 0);
    assert_int_equal(plan.index_of[4], 1);
    assert_int_equal(plan.index_of[3], 2);
    assert_int_equal(plan.n_batches, 1);
    gw_ssm_plan_clear(&plan);
}

static void plan_batch_past_end(void **state)
{
    gw_ssm_plan plan;
    size_t start, count;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(make_names(3), 3, &plan), GW_AWS_OK);
    gw_ssm_plan_batch(&plan, 5, &start, &count);
    assert_int_equal(count, 0);
    gw_ssm_plan_clear(&plan);
}

/* ---- request body ------------------------------------------------------ */

static void request_body_exact(void **state)
{
    const char *names[] = {"/cypher-gateway/prod/neo4j-password", "/x\"y"};
    char *body;

    (void)state;
    body = gw_ssm_request_body(names, 2);
    assert_non_null(body);
    assert_string_equal(body, "{\"Names\":[\"/cypher-gateway/prod/neo4j-password\",\"/x\\\"y\"],"
                              "\"WithDecryption\":true}");
    free(body);
}

/* ---- GetParameters responses ------------------------------------------ */

static void params_init(gw_ssm_parameter *params, const char *const *names, size_t n)
{
    memset(params, 0, n * sizeof *params);
    for (size_t i = 0; i < n; i++)
        params[i].name = names[i];
}

static void params_clear(gw_ssm_parameter *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gw_secret_clear(&params[i].value);
}

static void parse_all_found(void **state)
{
    const char *names[] = {"/a", "/b"};
    const char *body = "{\"Parameters\":[{\"Name\":\"/b\",\"Type\":\"String\",\"Value\":\"bee\",\"Version\":1},"
                       "{\"Name\":\"/a\",\"Type\":\"SecureString\",\"Value\":\"s\\u00e9cret\",\"Version\":3}],"
                       "\"InvalidParameters\":[]}";
    gw_ssm_parameter params[2];

    (void)state;
    params_init(params, names, 2);
    assert_int_equal(gw_ssm_parse_response(body, strlen(body), params, 2, NULL), GW_AWS_OK);
    assert_true(params[0].found);
    assert_true(params[0].secure);
    assert_string_equal(params[0].value.data, "s\xc3\xa9" "cret");
    assert_int_equal(params[0].value.len, 7);
    assert_true(params[1].found);
    assert_false(params[1].secure);
    assert_string_equal(params[1].value.data, "bee");
    params_clear(params, 2);
}

static void parse_invalid_parameters(void **state)
{
    const char *names[] = {"/a", "/missing", "/absent"};
    const char *body = "{\"Parameters\":[{\"Name\":\"/a\",\"Type\":\"SecureString\",\"Value\":\"x\"}],"
                       "\"InvalidParameters\":[\"/missing\"]}";
    gw_ssm_parameter params[3];

    (void)state;
    params_init(params, names, 3);
    assert_int_equal(gw_ssm_parse_response(body, strlen(body), params, 3, NULL), GW_AWS_OK);
    assert_true(params[0].found);
    assert_false(params[1].found);
    assert_null(params[1].value.data);
    assert_false(params[2].found);
    params_clear(params, 3);
}

static void parse_empty_value(void **state)
{
    const char *names[] = {"/a"};
    const char *body = "{\"Parameters\":[{\"Name\":\"/a\",\"Type\":\"SecureString\",\"Value\":\"\"}]}";
    gw_ssm_parameter params[1];

    (void)state;
    params_init(params, names, 1);
    assert_int_equal(gw_ssm_parse_response(body, strlen(body), params, 1, NULL), GW_AWS_OK);
    assert_true(params[0].found);
    assert_int_equal(params[0].value.len, 0);
    params_clear(params, 1);
}

static void parse_selector_and_arn(void **state)
{
    const char *names[] = {"/a:3", "arn:aws:ssm:eu-west-1:123456789012:parameter/b"};
    const char *body = "{\"Parameters\":["
                       "{\"Name\":\"/a\",\"Selector\":\":3\",\"Type\":\"SecureString\",\"Value\":\"v3\"},"
                       "{\"Name\":\"/b\",\"ARN\":\"arn:aws:ssm:eu-west-1:123456789012:parameter/b\","
                       "\"Type\":\"SecureString\",\"Value\":\"vb\"}]}";
    gw_ssm_parameter params[2];

    (void)state;
    params_init(params, names, 2);
    assert_int_equal(gw_ssm_parse_response(body, strlen(body), params, 2, NULL), GW_AWS_OK);
    assert_true(params[0].found);
    assert_string_equal(params[0].value.data, "v3");
    assert_true(params[1].found);
    assert_string_equal(params[1].value.data, "vb");
    params_clear(params, 2);
}

static void parse_ignores_unrequested(void **state)
{
    const char *names[] = {"/a"};
    const char *body = "{\"Parameters\":[{\"Name\":\"/other\",\"Value\":\"o\"}]}";
    gw_ssm_parameter params[1];

    (void)state;
    params_init(params, names, 1);
    assert_int_equal(gw_ssm_parse_response(body, strlen(body), params, 1, NULL), GW_AWS_OK);
    assert_false(params[0].found);
}

typedef struct bad_response_case {
    const char *name;
    const char *body;
} bad_response_case;

static const bad_response_case bad_response_cases[] = {
    {"response not json", "SECRET-VALUE"},
    {"response array", "[{\"Name\":\"/a\",\"Value\":\"SECRET-VALUE\"}]"},
    {"response no parameters", "{\"InvalidParameters\":[]}"},
    {"response parameters not list", "{\"Parameters\":{\"Name\":\"/a\",\"Value\":\"SECRET-VALUE\"}}"},
    {"response invalid not list", "{\"Parameters\":[],\"InvalidParameters\":\"/a\"}"},
    {"response entry without name", "{\"Parameters\":[{\"Value\":\"SECRET-VALUE\"}]}"},
    {"response entry without value", "{\"Parameters\":[{\"Name\":\"/a\",\"Type\":\"SecureString\"}]}"},
    {"response truncated", "{\"Parameters\":[{\"Name\":\"/a\",\"Value\":\"SECRET-VA"},
};

static void parse_bad_response(void **state)
{
    const bad_response_case *c = *state;
    const char *names[] = {"/a"};
    gw_ssm_parameter params[1];
    gw_error_detail err;

    params_init(params, names, 1);
    assert_int_equal(gw_ssm_parse_response(c->body, strlen(c->body), params, 1, &err), GW_AWS_ERR_BAD_RESPONSE);
    assert_true(err.message[0] != '\0');
    assert_null(strstr(err.message, "SECRET-VA"));
    params_clear(params, 1);
}

/* ---- error classification --------------------------------------------- */

typedef struct classify_case {
    const char *name;
    long status;
    const char *body;
    const char *header;
    gw_aws_err expected;
    const char *type;
} classify_case;

static const classify_case classify_cases[] = {
    {"classify 200", 200, "{}", NULL, GW_AWS_OK, ""},
    {"classify throttling", 400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL,
     GW_AWS_ERR_THROTTLED, "ThrottlingException"},
    {"classify namespaced throttling", 400,
     "{\"__type\":\"com.amazonaws.ssm#ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL,
     GW_AWS_ERR_THROTTLED, "ThrottlingException"},
    {"classify header throttling", 400, "", "ThrottlingException:http://internal.amazon.com/coral/",
     GW_AWS_ERR_THROTTLED, "ThrottlingException"},
    {"classify 429 without body", 429, "", NULL, GW_AWS_ERR_THROTTLED, ""},
    {"classify 500", 500, "{\"__type\":\"InternalServerError\",\"message\":\"x\"}", NULL, GW_AWS_ERR_SERVER,
     "InternalServerError"},
    {"classify 503 html", 503, "<html>Service Unavailable</html>", NULL, GW_AWS_ERR_SERVER, ""},
    {"classify invalid signature", 400,
     "{\"__type\":\"InvalidSignatureException\",\"message\":\"The request signature we calculated does not match\"}",
     NULL, GW_AWS_ERR_SIGNATURE, "InvalidSignatureException"},
    {"classify unrecognized client", 400,
     "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the request is "
     "invalid.\"}",
     NULL, GW_AWS_ERR_SIGNATURE, "UnrecognizedClientException"},
    {"classify xml signature", 403,
     "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>"
     "<Message>Check your key</Message></Error></Errors></ErrorResponse>",
     NULL, GW_AWS_ERR_SIGNATURE, "SignatureDoesNotMatch"},
    {"classify xml unknown key", 403,
     "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code></Error></Errors></ErrorResponse>", NULL,
     GW_AWS_ERR_SIGNATURE, "InvalidClientTokenId"},
    {"classify access denied", 400,
     "{\"__type\":\"AccessDeniedException\",\"Message\":\"User: arn:aws:sts::1:assumed-role/r/s is not "
     "authorized\"}",
     NULL, GW_AWS_ERR_ACCESS_DENIED, "AccessDeniedException"},
    {"classify xml access denied", 403, "<Error><Code>AccessDenied</Code></Error>", NULL, GW_AWS_ERR_ACCESS_DENIED,
     "AccessDenied"},
    {"classify expired token", 400, "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired\"}", NULL,
     GW_AWS_ERR_EXPIRED_TOKEN, "ExpiredTokenException"},
    {"classify validation", 400, "{\"__type\":\"ValidationException\",\"Message\":\"too many names\"}", NULL,
     GW_AWS_ERR_REQUEST, "ValidationException"},
    {"classify 404 plain", 404, "not found", NULL, GW_AWS_ERR_REQUEST, ""},
};

static void classify_case_run(void **state)
{
    const classify_case *c = *state;
    gw_aws_error_info info;

    assert_int_equal(gw_ssm_classify_response(c->status, c->body, strlen(c->body), c->header, &info), c->expected);
    assert_string_equal(info.type, c->type);
}

static void classify_message_printable(void **state)
{
    const char *body = "{\"__type\":\"ValidationException\",\"message\":\"line1\\nline2\\u0007end\"}";
    gw_aws_error_info info;

    (void)state;
    assert_int_equal(gw_ssm_classify_response(400, body, strlen(body), NULL, &info), GW_AWS_ERR_REQUEST);
    assert_string_equal(info.message, "line1 line2 end");
}

static void classify_body_not_terminated(void **state)
{
    /* Only `len` bytes are read: the code after them must not count. */
    const char body[] = "<Code>Throttling</Code><Code>";
    gw_aws_error_info info;

    (void)state;
    assert_int_equal(gw_ssm_classify_response(400, body, 10, NULL, &info), GW_AWS_ERR_REQUEST);
    assert_string_equal(info.type, "");
}

/* ---- backoff ----------------------------------------------------------- */

static void backoff_bounds(void **state)
{
    const long expected_cap[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};

    (void)state;
    for (int attempt = 1; attempt <= 9; attempt++) {
        long cap = expected_cap[attempt - 1];

        assert_int_equal(gw_ssm_backoff_ms(attempt, 100, 5000, 0), 0);
        assert_int_equal(gw_ssm_backoff_ms(attempt, 100, 5000, (unsigned)cap), cap);
        assert_int_equal(gw_ssm_backoff_ms(attempt, 100, 5000, (unsigned)cap + 1), 0);
        assert_true(gw_ssm_backoff_ms(attempt, 100, 5000, UINT_MAX) <= cap);
        assert_true(gw_ssm_backoff_ms(attempt, 100, 5000, 123456789u) <= cap);
    }
}

static void backoff_no_overflow(void **state)
{
    (void)state;
    for (int attempt = 1; attempt <= 200; attempt++) {
        long d = gw_ssm_backoff_ms(attempt, 60000, 300000, UINT_MAX);

        assert_true(d >= 0);
        assert_true(d <= 300000);
    }
    assert_int_equal(gw_ssm_backoff_ms(INT_MAX, 1, 5000, 5000), 5000);
}

static void backoff_odd_settings(void **state)
{
    (void)state;
    assert_int_equal(gw_ssm_backoff_ms(0, 100, 5000, 100), 100);
    assert_int_equal(gw_ssm_backoff_ms(1, 800, 500, 500), 500);
    assert_int_equal(gw_ssm_backoff_ms(3, 0, 5000, 77), 0);
}

static void backoff_budget(void **state)
{
    (void)state;
    assert_int_equal(gw_ssm_backoff_budget_ms(8, 100, 5000), 100 + 200 + 400 + 800 + 1600 + 3200 + 5000);
    assert_int_equal(gw_ssm_backoff_budget_ms(1, 100, 5000), 0);
    assert_int_equal(gw_ssm_backoff_budget_ms(3, 50, 60), 50 + 60);
}

/* ---- settings ---------------------------------------------------------- */

static void settings_env_clear(void)
{
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
}

static void settings_region_order(void **state)
{
    gw_config config;
    gw_ssm_settings s;
    char region[] = "eu-central-1";

    (void)state;
    memset(&config, 0, sizeof config);
    settings_env_clear();
    setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, NULL), GW_AWS_OK);
    assert_string_equal(s.region, "us-west-2");
    setenv("AWS_REGION", "eu-west-1", 1);
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, NULL), GW_AWS_OK);
    assert_string_equal(s.region, "eu-west-1");
    assert_string_equal(s.endpoint, "https://ssm.eu-west-1.amazonaws.com");
    config.ssm_region = region;
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, NULL), GW_AWS_OK);
    assert_string_equal(s.region, "eu-central-1");
    settings_env_clear();
}

static void settings_without_region(void **state)
{
    gw_config config;
    gw_ssm_settings s;
    gw_error_detail err;

    (void)state;
    memset(&config, 0, sizeof config);
    settings_env_clear();
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, &err), GW_AWS_ERR_CONFIG);
    assert_non_null(strstr(err.message, "ssm.region"));
    setenv("AWS_REGION", "eu west 1", 1);
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, &err), GW_AWS_ERR_CONFIG);
    assert_non_null(strstr(err.message, "AWS_REGION"));
    settings_env_clear();
}

typedef struct endpoint_case {
    const char *name;
    const char *region;
    const char *endpoint;
    gw_aws_err expected;
    const char *resolved;
} endpoint_case;

static const endpoint_case endpoint_cases[] = {
    {"endpoint default", "eu-west-1", NULL, GW_AWS_OK, "https://ssm.eu-west-1.amazonaws.com"},
    {"endpoint china", "cn-north-1", NULL, GW_AWS_OK, "https://ssm.cn-north-1.amazonaws.com.cn"},
    {"endpoint loopback http", "eu-west-1", "http://127.0.0.1:4566/", GW_AWS_OK, "http://127.0.0.1:4566"},
    {"endpoint vpc https", "eu-west-1", "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com", GW_AWS_OK,
     "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com"},
    {"endpoint private http", "eu-west-1", "http://10.1.2.3", GW_AWS_ERR_CONFIG, NULL},
    {"endpoint with path", "eu-west-1", "https://ssm.eu-west-1.amazonaws.com/x", GW_AWS_ERR_CONFIG, NULL},
    {"endpoint with query", "eu-west-1", "https://ssm.eu-west-1.amazonaws.com/?a=b", GW_AWS_ERR_CONFIG, NULL},
    {"endpoint not url", "eu-west-1", "ssm.eu-west-1.amazonaws.com", GW_AWS_ERR_CONFIG, NULL},
    {"endpoint region uppercase", "EU-WEST-1", NULL, GW_AWS_ERR_CONFIG, NULL},
};

static void endpoint_case_run(void **state)
{
    const endpoint_case *c = *state;
    gw_config config;
    gw_ssm_settings s;

    memset(&config, 0, sizeof config);
    config.ssm_region = (char *)c->region;
    config.ssm_endpoint = (char *)c->endpoint;
    assert_int_equal(gw_ssm_settings_resolve(&config, &s, NULL), c->expected);
    if (c->resolved)
        assert_string_equal(s.endpoint, c->resolved);
}

static void settings_retry_values(void **state)
{
    static const char yaml[] = "neo4j:\n  url: http://127.0.0.1:7474\n  password: ssm:/p\n"
                               "jwt:\n  signing_key: ssm:/k\n"
                               "ssm:\n  region: eu-west-1\n  max_attempts: 3\n  base_delay_ms: 20\n"
                               "  max_delay_ms: 400\n";
    gw_config *config = NULL;
    gw_ssm_settings s;

    (void)state;
    assert_int_equal(gw_config_parse(yaml, sizeof yaml - 1, "test.yaml", &config, NULL), GW_OK);
    assert_int_equal(gw_ssm_settings_resolve(config, &s, NULL), GW_AWS_OK);
    assert_int_equal(s.max_attempts, 3);
    assert_int_equal(s.base_delay_ms, 20);
    assert_int_equal(s.max_delay_ms, 400);
    gw_config_free(config);
}

static void settings_retry_defaults(void **state)
{
    static const char yaml[] = "neo4j:\n  url: http://127.0.0.1:7474\n  password: ssm:/p\n"
                               "jwt:\n  signing_key: ssm:/k\n";
    gw_config *config = NULL;

    (void)state;
    assert_int_equal(gw_config_parse(yaml, sizeof yaml - 1, "test.yaml", &config, NULL), GW_OK);
    assert_int_equal(config->ssm_max_attempts, 8);
    assert_int_equal(config->ssm_base_delay_ms, 100);
    assert_int_equal(config->ssm_max_delay_ms, 5000);
    gw_config_free(config);
}

static void settings_retry_invalid(void **state)
{
    static const char too_many[] = "neo4j:\n  url: http://127.0.0.1:7474\n  password: ssm:/p\n"
                                   "jwt:\n  signing_key: ssm:/k\nssm:\n  max_attempts: 21\n";
    static const char inverted[] = "neo4j:\n  url: http://127.0.0.1:7474\n  password: ssm:/p\n"
                                   "jwt:\n  signing_key: ssm:/k\nssm:\n  base_delay_ms: 900\n  max_delay_ms: 800\n";
    gw_config *config = NULL;
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_config_parse(too_many, sizeof too_many - 1, "t.yaml", &config, &err), GW_ERR_CONFIG);
    assert_non_null(strstr(err.message, "ssm.max_attempts"));
    assert_int_equal(gw_config_parse(inverted, sizeof inverted - 1, "t.yaml", &config, &err), GW_ERR_CONFIG);
    assert_non_null(strstr(err.message, "ssm.base_delay_ms"));
}

/* ---- missing and empty parameters ------------------------------------- */

static void check_all_present(void **state)
{
    const char *names[] = {"/pw", "/key"};
    const char *whats[] = {"neo4j.password", "jwt.signing_key"};
    gw_ssm_plan plan;
    gw_ssm_parameter params[2];

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 2, &plan), GW_AWS_OK);
    params_init(params, plan.unique, 2);
    gw_secret_set(&params[0].value, "p", 1);
    gw_secret_set(&params[1].value, "k", 1);
    params[0].found = params[1].found = 1;
    assert_int_equal(gw_ssm_check_parameters(&plan, params, whats, "eu-west-1", NULL), GW_AWS_OK);
    params_clear(params, 2);
    gw_ssm_plan_clear(&plan);
}

static void check_names_missing_only(void **state)
{
    const char *names[] = {"/pw", "/key", "/hash", "/key"};
    const char *whats[] = {"neo4j.password", "jwt.signing_key", "clients[app].secret_hash",
                           "clients[other].secret_hash"};
    gw_ssm_plan plan;
    gw_ssm_parameter params[3];
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 4, &plan), GW_AWS_OK);
    params_init(params, plan.unique, 3);
    gw_secret_set(&params[0].value, "FOUND-VALUE", 11);
    params[0].found = 1;
    assert_int_equal(gw_ssm_check_parameters(&plan, params, whats, "eu-west-1", &err),
                     GW_AWS_ERR_PARAMETER_NOT_FOUND);
    assert_non_null(strstr(err.message, "/key (jwt.signing_key, clients[other].secret_hash)"));
    assert_non_null(strstr(err.message, "/hash (clients[app].secret_hash)"));
    assert_non_null(strstr(err.message, "were not found in region eu-west-1"));
    assert_null(strstr(err.message, "/pw"));
    assert_null(strstr(err.message, "neo4j.password"));
    assert_null(strstr(err.message, "FOUND-VALUE"));
    params_clear(params, 3);
    gw_ssm_plan_clear(&plan);
}

static void check_one_missing(void **state)
{
    const char *names[] = {"/pw"};
    const char *whats[] = {"neo4j.password"};
    gw_ssm_plan plan;
    gw_ssm_parameter params[1];
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 1, &plan), GW_AWS_OK);
    params_init(params, plan.unique, 1);
    assert_int_equal(gw_ssm_check_parameters(&plan, params, whats, "eu-west-1", &err),
                     GW_AWS_ERR_PARAMETER_NOT_FOUND);
    assert_string_equal(err.message, "SSM parameter /pw (neo4j.password) was not found in region eu-west-1; create "
                                     "it with 'aws ssm put-parameter --type SecureString' or fix the reference");
    gw_ssm_plan_clear(&plan);
}

static void check_empty_value(void **state)
{
    const char *names[] = {"/pw", "/key"};
    const char *whats[] = {"neo4j.password", "jwt.signing_key"};
    gw_ssm_plan plan;
    gw_ssm_parameter params[2];
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 2, &plan), GW_AWS_OK);
    params_init(params, plan.unique, 2);
    gw_secret_set(&params[0].value, "", 0);
    gw_secret_set(&params[1].value, "KEY-VALUE", 9);
    params[0].found = params[1].found = 1;
    assert_int_equal(gw_ssm_check_parameters(&plan, params, whats, "eu-west-1", &err), GW_AWS_ERR_EMPTY_VALUE);
    assert_non_null(strstr(err.message, "SSM parameter /pw (neo4j.password) is empty"));
    assert_null(strstr(err.message, "/key"));
    assert_null(strstr(err.message, "KEY-VALUE"));
    params_clear(params, 2);
    gw_ssm_plan_clear(&plan);
}

static void check_missing_before_empty(void **state)
{
    const char *names[] = {"/pw", "/key"};
    const char *whats[] = {"neo4j.password", "jwt.signing_key"};
    gw_ssm_plan plan;
    gw_ssm_parameter params[2];
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_ssm_plan_make(names, 2, &plan), GW_AWS_OK);
    params_init(params, plan.unique, 2);
    gw_secret_set(&params[0].value, "", 0);
    params[0].found = 1;
    assert_int_equal(gw_ssm_check_parameters(&plan, params, whats, "eu-west-1", &err),
                     GW_AWS_ERR_PARAMETER_NOT_FOUND);
    assert_non_null(strstr(err.message, "/key (jwt.signing_key)"));
    params_clear(params, 2);
    gw_ssm_plan_clear(&plan);
}

/* ---- failure messages -------------------------------------------------- */

static const char *const two_names[] = {"/cg/pw", "/cg/key"};

static void describe(gw_aws_err rc, const char *type, const char *message, gw_error_detail *err)
{
    gw_aws_error_info info;

    memset(&info, 0, sizeof info);
    snprintf(info.type, sizeof info.type, "%s", type);
    snprintf(info.message, sizeof info.message, "%s", message);
    gw_ssm_describe_failure(rc, &info, 400, "REQ-123", 8, two_names, 2, "eu-west-1", GW_AWS_SOURCE_CONTAINER, err);
}

static void describe_signature(void **state)
{
    gw_error_detail err;

    (void)state;
    describe(GW_AWS_ERR_SIGNATURE, "InvalidSignatureException", "", &err);
    assert_non_null(strstr(err.message, "AWS rejected the request signature (InvalidSignatureException"));
    assert_non_null(strstr(err.message, "check the secret access key from the container endpoint"));
    assert_non_null(strstr(err.message, "REQ-123"));
    describe(GW_AWS_ERR_SIGNATURE, "UnrecognizedClientException", "", &err);
    assert_non_null(strstr(err.message, "AWS rejected the request signature: it does not recognise the access key"));
}

static void describe_access_denied(void **state)
{
    gw_error_detail err;

    (void)state;
    describe(GW_AWS_ERR_ACCESS_DENIED, "AccessDeniedException", "not authorized", &err);
    assert_non_null(strstr(err.message, "AWS denied ssm:GetParameters (AccessDeniedException, region eu-west-1)"));
    assert_non_null(strstr(err.message, "kms:Decrypt on their KMS key: /cg/pw, /cg/key (request id REQ-123)"));
    assert_non_null(strstr(err.message, "not authorized"));
}

static void describe_retries_exhausted(void **state)
{
    gw_error_detail err;

    (void)state;
    describe(GW_AWS_ERR_THROTTLED, "ThrottlingException", "Rate exceeded", &err);
    assert_non_null(strstr(err.message, "failed after 8 attempts"));
    assert_non_null(
        strstr(err.message, "ThrottlingException (HTTP 400, request id REQ-123): Rate exceeded. Retry later"));
    assert_non_null(strstr(err.message, "ssm.max_attempts. Parameters: /cg/pw, /cg/key"));
}

static void describe_every_code(void **state)
{
    gw_error_detail err;

    (void)state;
    for (int e = GW_AWS_OK; e <= GW_AWS_ERR_EMPTY_VALUE; e++) {
        describe((gw_aws_err)e, "", "", &err);
        assert_true(strlen(err.message) > 20);
        assert_null(strstr(err.message, "  "));
        assert_null(strstr(err.message, " ."));
    }
}

static void describe_long_list_truncated(void **state)
{
    gw_error_detail err;
    gw_aws_error_info info;

    (void)state;
    memset(&info, 0, sizeof info);
    gw_ssm_describe_failure(GW_AWS_ERR_ACCESS_DENIED, &info, 400, "", 1, make_names(64), 64, "eu-west-1",
                            GW_AWS_SOURCE_ENV, &err);
    assert_true(strlen(err.message) < sizeof err.message);
    assert_non_null(strstr(err.message, "kms:Decrypt on their KMS key: /p/00, /p/01"));
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, batch_cases, plan_case);
    UNIT_ADD(&list, plan_merges_duplicates);
    UNIT_ADD(&list, plan_batch_past_end);
    UNIT_ADD(&list, request_body_exact);
    UNIT_ADD(&list, parse_all_found);
    UNIT_ADD(&list, parse_invalid_parameters);
    UNIT_ADD(&list, parse_empty_value);
    UNIT_ADD(&list, parse_selector_and_arn);
    UNIT_ADD(&list, parse_ignores_unrequested);
    UNIT_ADD_ROWS(&list, bad_response_cases, parse_bad_response);
    UNIT_ADD_ROWS(&list, classify_cases, classify_case_run);
    UNIT_ADD(&list, classify_message_printable);
    UNIT_ADD(&list, classify_body_not_terminated);
    UNIT_ADD(&list, backoff_bounds);
    UNIT_ADD(&list, backoff_no_overflow);
    UNIT_ADD(&list, backoff_odd_settings);
    UNIT_ADD(&list, backoff_budget);
    UNIT_ADD(&list, settings_region_order);
    UNIT_ADD(&list, settings_without_region);
    UNIT_ADD_ROWS(&list, endpoint_cases, endpoint_case_run);
    UNIT_ADD(&list, settings_retry_values);
    UNIT_ADD(&list, settings_retry_defaults);
    UNIT_ADD(&list, settings_retry_invalid);
    UNIT_ADD(&list, check_all_present);
    UNIT_ADD(&list, check_names_missing_only);
    UNIT_ADD(&list, check_one_missing);
    UNIT_ADD(&list, check_empty_value);
    UNIT_ADD(&list, check_missing_before_empty);
    UNIT_ADD(&list, describe_signature);
    UNIT_ADD(&list, describe_access_denied);
    UNIT_ADD(&list, describe_retries_exhausted);
    UNIT_ADD(&list, describe_every_code);
    UNIT_ADD(&list, describe_long_list_truncated);
    return unit_run("ssm", &list);
}
