/* test_aws_credentials.c - the I/O-free parts of gw_aws_credentials.h:
 * timestamps, the container endpoint's JSON, the refresh decision with a
 * frozen clock, the environment step and the URL rules. */
#include "unit.h"
#include "unit_table.h"

#include <stdio.h>
#include <string.h>

#include "gw_aws_credentials.h"

/* A frozen clock: 2023-11-14T22:13:20Z. */
#define NOW ((time_t)1700000000)

/* ---- RFC 3339 ---------------------------------------------------------- */

typedef struct time_case {
    const char *name;
    const char *text;
    int ok;
    long long expected;
} time_case;

static const time_case time_cases[] = {
    {"rfc3339 utc", "2023-11-14T22:13:20Z", 1, 1700000000LL},
    {"rfc3339 fraction", "2023-11-14T22:13:20.987654Z", 1, 1700000000LL},
    {"rfc3339 lowercase", "2023-11-14t22:13:20z", 1, 1700000000LL},
    {"rfc3339 positive offset", "2023-11-15T00:13:20+02:00", 1, 1700000000LL},
    {"rfc3339 negative offset", "2023-11-14T16:43:20-05:30", 1, 1700000000LL},
    {"rfc3339 leap day", "2024-02-29T00:00:00Z", 1, 1709164800LL},
    {"rfc3339 epoch", "1970-01-01T00:00:00Z", 1, 0LL},
    {"rfc3339 empty", "", 0, 0},
    {"rfc3339 no zone", "2023-11-14T22:13:20", 0, 0},
    {"rfc3339 date only", "2023-11-14", 0, 0},
    {"rfc3339 month 13", "2023-13-14T22:13:20Z", 0, 0},
    {"rfc3339 april 31", "2023-04-31T22:13:20Z", 0, 0},
    {"rfc3339 no leap day 2023", "2023-02-29T00:00:00Z", 0, 0},
    {"rfc3339 hour 24", "2023-11-14T24:00:00Z", 0, 0},
    {"rfc3339 trailing text", "2023-11-14T22:13:20Zjunk", 0, 0},
    {"rfc3339 empty fraction", "2023-11-14T22:13:20.Z", 0, 0},
    {"rfc3339 short offset", "2023-11-14T22:13:20+2:00", 0, 0},
    {"rfc3339 offset without colon", "2023-11-14T22:13:20+0200", 0, 0},
    {"rfc3339 before 1970", "1969-12-31T23:59:59Z", 0, 0},
    {"rfc3339 letters in year", "20x3-11-14T22:13:20Z", 0, 0},
};

static void rfc3339_case(void **state)
{
    const time_case *c = *state;
    time_t parsed = (time_t)-12345;
    int rc = gw_aws_parse_rfc3339(c->text, &parsed);

    if (c->ok) {
        assert_int_equal(rc, 0);
        assert_int_equal((long long)parsed, c->expected);
    } else {
        assert_int_equal(rc, -1);
    }
}

/* ---- container endpoint JSON ------------------------------------------- */

static const char valid_body[] = "{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\","
                                 "\"AccessKeyId\":\"ASIAEXAMPLEKEYID\","
                                 "\"SecretAccessKey\":\"SECRET-KEY-VALUE\","
                                 "\"Token\":\"SESSION-TOKEN-VALUE\","
                                 "\"Expiration\":\"2023-11-14T23:13:20Z\"}";

static void credentials_json_valid(void **state)
{
    gw_aws_credentials creds;
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_aws_credentials_parse_json(valid_body, strlen(valid_body), NOW, &creds, &err), GW_AWS_OK);
    assert_string_equal(creds.access_key_id, "ASIAEXAMPLEKEYID");
    assert_string_equal(creds.secret_access_key, "SECRET-KEY-VALUE");
    assert_string_equal(creds.session_token, "SESSION-TOKEN-VALUE");
    assert_int_equal((long long)creds.expiration, 1700003600LL);
    assert_int_equal(creds.source, GW_AWS_SOURCE_CONTAINER);
    gw_aws_credentials_clear(&creds);
    assert_null(creds.access_key_id);
    assert_null(creds.secret_access_key);
    assert_null(creds.session_token);
}

static void credentials_json_no_token(void **state)
{
    const char *body = "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"SK\",\"Token\":null}";
    gw_aws_credentials creds;

    (void)state;
    assert_int_equal(gw_aws_credentials_parse_json(body, strlen(body), NOW, &creds, NULL), GW_AWS_OK);
    assert_null(creds.session_token);
    assert_int_equal((long long)creds.expiration, 0);
    gw_aws_credentials_clear(&creds);
}

typedef struct bad_json_case {
    const char *name;
    const char *body;
    const char *message_part;
} bad_json_case;

static const bad_json_case bad_json_cases[] = {
    {"credentials json not json", "SECRET-KEY-VALUE", "not a JSON object"},
    {"credentials json array", "[\"SECRET-KEY-VALUE\"]", "not a JSON object"},
    {"credentials json no key id", "{\"SecretAccessKey\":\"SECRET-KEY-VALUE\"}", "AccessKeyId"},
    {"credentials json empty secret", "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"\"}", "SecretAccessKey"},
    {"credentials json numeric secret", "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":5}", "SecretAccessKey"},
    {"credentials json bad token", "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"SECRET-KEY-VALUE\",\"Token\":7}",
     "Token"},
    {"credentials json bad expiration",
     "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"SECRET-KEY-VALUE\",\"Expiration\":\"tomorrow\"}",
     "RFC 3339"},
    {"credentials json expired",
     "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"SECRET-KEY-VALUE\",\"Expiration\":\"2023-11-14T22:13:10Z\"}",
     "expired 10 s ago"},
};

static void credentials_json_rejected(void **state)
{
    const bad_json_case *c = *state;
    gw_aws_credentials creds;
    gw_error_detail err;

    assert_int_equal(gw_aws_credentials_parse_json(c->body, strlen(c->body), NOW, &creds, &err),
                     GW_AWS_ERR_CREDENTIALS_INVALID);
    assert_null(creds.access_key_id);
    assert_non_null(strstr(err.message, c->message_part));
    assert_null(strstr(err.message, "SECRET-KEY-VALUE"));
}

/* ---- refresh decision (frozen clock) ----------------------------------- */

typedef struct refresh_case {
    const char *name;
    int has_credentials;
    long long expiration;
    int expected;
} refresh_case;

static const refresh_case refresh_cases[] = {
    {"refresh when empty", 0, 0, 1},
    {"refresh without expiration", 1, 0, 1},
    {"keep one hour before expiry", 1, NOW + 3600, 0},
    {"keep 301 s before expiry", 1, NOW + GW_AWS_CREDENTIALS_REFRESH_S + 1, 0},
    {"refresh 300 s before expiry", 1, NOW + GW_AWS_CREDENTIALS_REFRESH_S, 1},
    {"refresh 1 s before expiry", 1, NOW + 1, 1},
    {"refresh at expiry", 1, NOW, 1},
    {"refresh after expiry", 1, NOW - 60, 1},
};

static void refresh_case_run(void **state)
{
    const refresh_case *c = *state;
    gw_aws_credentials cached;
    char key_id[] = "AKID";
    char secret[] = "secret";

    memset(&cached, 0, sizeof cached);
    if (c->has_credentials) {
        cached.access_key_id = key_id;
        cached.secret_access_key = secret;
    }
    cached.expiration = (time_t)c->expiration;
    assert_int_equal(gw_aws_credentials_need_refresh(&cached, NOW), c->expected);
}

/* ---- environment step -------------------------------------------------- */

static void env_keys_used(void **state)
{
    gw_aws_env env = {.access_key_id = "AKIDENV", .secret_access_key = "env-secret", .session_token = "env-token"};
    gw_aws_credentials creds;

    (void)state;
    assert_int_equal(gw_aws_credentials_from_env(&env, &creds, NULL), GW_AWS_OK);
    assert_string_equal(creds.access_key_id, "AKIDENV");
    assert_string_equal(creds.secret_access_key, "env-secret");
    assert_string_equal(creds.session_token, "env-token");
    assert_int_equal(creds.source, GW_AWS_SOURCE_ENV);
    assert_int_equal((long long)creds.expiration, 0);
    gw_aws_credentials_clear(&creds);
}

static void env_without_token(void **state)
{
    gw_aws_env env = {.access_key_id = "AKIDENV", .secret_access_key = "env-secret", .session_token = ""};
    gw_aws_credentials creds;

    (void)state;
    assert_int_equal(gw_aws_credentials_from_env(&env, &creds, NULL), GW_AWS_OK);
    assert_null(creds.session_token);
    gw_aws_credentials_clear(&creds);
}

static void env_unset_falls_through(void **state)
{
    gw_aws_env env = {.relative_uri = "/v2/credentials/x"};
    gw_aws_credentials creds;

    (void)state;
    assert_int_equal(gw_aws_credentials_from_env(&env, &creds, NULL), GW_AWS_ERR_NO_CREDENTIALS);
    assert_null(creds.access_key_id);
}

static void env_half_set_rejected(void **state)
{
    gw_aws_env only_id = {.access_key_id = "AKIDENV"};
    gw_aws_env only_secret = {.secret_access_key = "env-secret"};
    gw_aws_credentials creds;
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_aws_credentials_from_env(&only_id, &creds, &err), GW_AWS_ERR_CONFIG);
    assert_non_null(strstr(err.message, "AWS_SECRET_ACCESS_KEY is not"));
    assert_int_equal(gw_aws_credentials_from_env(&only_secret, &creds, &err), GW_AWS_ERR_CONFIG);
    assert_non_null(strstr(err.message, "AWS_ACCESS_KEY_ID is not"));
    assert_null(strstr(err.message, "env-secret"));
}

/* ---- container URL ----------------------------------------------------- */

typedef struct url_case {
    const char *name;
    gw_aws_env env;
    gw_aws_err expected;
    const char *url;
} url_case;

static const url_case url_cases[] = {
    {"container relative uri", {.relative_uri = "/v2/credentials/abc"}, GW_AWS_OK,
     "http://169.254.170.2/v2/credentials/abc"},
    {"container relative wins", {.relative_uri = "/v2/x", .full_uri = "http://127.0.0.1:9/creds"}, GW_AWS_OK,
     "http://169.254.170.2/v2/x"},
    {"container full loopback", {.full_uri = "http://127.0.0.1:8123/creds"}, GW_AWS_OK,
     "http://127.0.0.1:8123/creds"},
    {"container full localhost", {.full_uri = "http://localhost:8123/creds"}, GW_AWS_OK,
     "http://localhost:8123/creds"},
    {"container full ipv6 loopback", {.full_uri = "http://[::1]:8123/creds"}, GW_AWS_OK, "http://[::1]:8123/creds"},
    {"container full eks agent", {.full_uri = "http://169.254.170.23/v1/credentials"}, GW_AWS_OK,
     "http://169.254.170.23/v1/credentials"},
    {"container full https", {.full_uri = "https://creds.example.com/x"}, GW_AWS_OK, "https://creds.example.com/x"},
    {"container full private http", {.full_uri = "http://10.0.0.5/creds"}, GW_AWS_ERR_CONFIG, NULL},
    {"container full public http", {.full_uri = "http://creds.example.com/x"}, GW_AWS_ERR_CONFIG, NULL},
    {"container full ftp", {.full_uri = "ftp://127.0.0.1/creds"}, GW_AWS_ERR_CONFIG, NULL},
    {"container full no scheme", {.full_uri = "127.0.0.1:8123/creds"}, GW_AWS_ERR_CONFIG, NULL},
    {"container relative no slash", {.relative_uri = "v2/x"}, GW_AWS_ERR_CONFIG, NULL},
    {"container relative with space", {.relative_uri = "/v2/x y"}, GW_AWS_ERR_CONFIG, NULL},
    {"container relative with newline", {.relative_uri = "/v2/x\r\nHost: evil"}, GW_AWS_ERR_CONFIG, NULL},
    {"container none set", {.authorization_token = "t"}, GW_AWS_ERR_NO_CREDENTIALS, NULL},
};

static void container_url_case(void **state)
{
    const url_case *c = *state;
    char url[256] = "";

    assert_int_equal(gw_aws_container_url(&c->env, url, sizeof url, NULL), c->expected);
    if (c->url)
        assert_string_equal(url, c->url);
}

static void url_allowed_agents_only_for_credentials(void **state)
{
    (void)state;
    assert_true(gw_aws_url_allowed("http://169.254.170.2/x", 1));
    assert_false(gw_aws_url_allowed("http://169.254.170.2/x", 0));
    assert_true(gw_aws_url_allowed("http://[fd00:ec2::23]/x", 1));
    assert_false(gw_aws_url_allowed("http://[fd00:ec2::23]/x", 0));
    assert_false(gw_aws_url_allowed("http://169.254.169.254/latest", 1));
    assert_true(gw_aws_url_allowed("http://127.8.9.10:1/", 0));
    assert_false(gw_aws_url_allowed("http://128.0.0.1/", 0));
    assert_false(gw_aws_url_allowed("not a url", 1));
}

static void url_display_hides_userinfo_and_query(void **state)
{
    char out[128];

    (void)state;
    gw_aws_url_for_display("http://user:pw@127.0.0.1:8123/creds?token=abc#frag", out, sizeof out);
    assert_string_equal(out, "http://127.0.0.1:8123/creds");
    gw_aws_url_for_display("::::", out, sizeof out);
    assert_string_equal(out, "(invalid URL)");
}

static void token_validity(void **state)
{
    char long_token[8194];

    (void)state;
    assert_true(gw_aws_authorization_token_valid("Bearer abc.def", 14));
    assert_false(gw_aws_authorization_token_valid("", 0));
    assert_false(gw_aws_authorization_token_valid("abc\r\nX-Evil: 1", 15));
    assert_false(gw_aws_authorization_token_valid("abc\n", 4));
    memset(long_token, 'a', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    assert_true(gw_aws_authorization_token_valid(long_token, 8192));
    assert_false(gw_aws_authorization_token_valid(long_token, 8193));
}

/* ---- errors and helpers ------------------------------------------------ */

static void every_error_has_text(void **state)
{
    (void)state;
    for (int e = GW_AWS_OK; e <= GW_AWS_ERR_EMPTY_VALUE; e++)
        assert_string_not_equal(gw_aws_strerror((gw_aws_err)e), "unknown AWS error");
}

static void retryable_errors(void **state)
{
    (void)state;
    assert_true(gw_aws_err_retryable(GW_AWS_ERR_CONNECT));
    assert_true(gw_aws_err_retryable(GW_AWS_ERR_THROTTLED));
    assert_true(gw_aws_err_retryable(GW_AWS_ERR_SERVER));
    assert_true(gw_aws_err_retryable(GW_AWS_ERR_EXPIRED_TOKEN));
    assert_false(gw_aws_err_retryable(GW_AWS_ERR_SIGNATURE));
    assert_false(gw_aws_err_retryable(GW_AWS_ERR_ACCESS_DENIED));
    assert_false(gw_aws_err_retryable(GW_AWS_ERR_REQUEST));
    assert_false(gw_aws_err_retryable(GW_AWS_ERR_PARAMETER_NOT_FOUND));
    assert_false(gw_aws_err_retryable(GW_AWS_ERR_NO_CREDENTIALS));
}

static void copy_is_deep(void **state)
{
    gw_aws_env env = {.access_key_id = "AKIDENV", .secret_access_key = "env-secret"};
    gw_aws_credentials a, b;

    (void)state;
    assert_int_equal(gw_aws_credentials_from_env(&env, &a, NULL), GW_AWS_OK);
    assert_int_equal(gw_aws_credentials_copy(&a, &b), GW_AWS_OK);
    assert_ptr_not_equal(a.secret_access_key, b.secret_access_key);
    assert_string_equal(b.secret_access_key, "env-secret");
    assert_null(b.session_token);
    assert_int_equal(b.source, GW_AWS_SOURCE_ENV);
    gw_aws_credentials_clear(&a);
    gw_aws_credentials_clear(&b);
    gw_aws_credentials_clear(&b);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, time_cases, rfc3339_case);
    UNIT_ADD(&list, credentials_json_valid);
    UNIT_ADD(&list, credentials_json_no_token);
    UNIT_ADD_ROWS(&list, bad_json_cases, credentials_json_rejected);
    UNIT_ADD_ROWS(&list, refresh_cases, refresh_case_run);
    UNIT_ADD(&list, env_keys_used);
    UNIT_ADD(&list, env_without_token);
    UNIT_ADD(&list, env_unset_falls_through);
    UNIT_ADD(&list, env_half_set_rejected);
    UNIT_ADD_ROWS(&list, url_cases, container_url_case);
    UNIT_ADD(&list, url_allowed_agents_only_for_credentials);
    UNIT_ADD(&list, url_display_hides_userinfo_and_query);
    UNIT_ADD(&list, token_validity);
    UNIT_ADD(&list, every_error_has_text);
    UNIT_ADD(&list, retryable_errors);
    UNIT_ADD(&list, copy_is_deep);
    return unit_run("aws_credentials", &list);
}
