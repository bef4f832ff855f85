/* test_secret.c - secret references and env/file resolution (gw_secret.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_secret.h"

typedef struct ref_case {
    const char *name;
    const char *text;
    gw_err expected;
    gw_secret_kind kind;
    const char *ref_name; /* on success; on failure a text the message must contain */
} ref_case;

static const ref_case ref_cases[] = {
    {"ref_env", "env:NEO4J_PASSWORD", GW_OK, GW_SECRET_ENV, "NEO4J_PASSWORD"},
    {"ref_file", "file:/run/secrets/neo4j", GW_OK, GW_SECRET_FILE, "/run/secrets/neo4j"},
    {"ref_file_relative", "file:secrets/key.txt", GW_OK, GW_SECRET_FILE, "secrets/key.txt"},
    {"ref_ssm", "ssm:/prod/gateway/jwt-key", GW_OK, GW_SECRET_SSM, "/prod/gateway/jwt-key"},
    {"ref_name_with_colon", "env:A:B", GW_OK, GW_SECRET_ENV, "A:B"},
    {"ref_env_empty_name", "env:", GW_ERR_CONFIG, GW_SECRET_NONE, "empty name"},
    {"ref_file_empty_name", "file:", GW_ERR_CONFIG, GW_SECRET_NONE, "empty name"},
    {"ref_ssm_empty_name", "ssm:", GW_ERR_CONFIG, GW_SECRET_NONE, "empty name"},
    {"ref_no_prefix", "hunter2", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
    {"ref_empty", "", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
    {"ref_prefix_uppercase", "ENV:hunter2", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
    {"ref_unknown_prefix", "vault:hunter2", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
    {"ref_leading_space", " env:hunter2", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
    {"ref_prefix_without_colon", "envhunter2", GW_ERR_CONFIG, GW_SECRET_NONE, "env:NAME, file:PATH or ssm:NAME"},
};

/* A rejected reference may be a secret pasted inline by mistake, so the
 * message never repeats it. */
static void ref_parse_case(void **state)
{
    const ref_case *c = *state;
    gw_secret_ref ref;
    gw_error_detail err;

    memset(&err, 0, sizeof err);
    assert_int_equal(gw_secret_ref_parse(c->text, &ref, &err), c->expected);
    assert_int_equal(ref.kind, c->kind);
    if (c->expected == GW_OK) {
        assert_string_equal(ref.name, c->ref_name);
    } else {
        assert_null(ref.name);
        assert_true(err.message[0] != '\0');
        assert_null(strstr(err.message, "hunter2"));
        if (!strstr(err.message, c->ref_name))
            fail_msg("the message lacks '%s': %s", c->ref_name, err.message);
    }
    gw_secret_ref_clear(&ref);
    assert_null(ref.name);
    assert_int_equal(ref.kind, GW_SECRET_NONE);
}

static void ref_clear_null(void **state)
{
    (void)state;
    gw_secret_ref_clear(NULL);
}

static void kind_names(void **state)
{
    (void)state;
    assert_string_equal(gw_secret_kind_name(GW_SECRET_ENV), "env");
    assert_string_equal(gw_secret_kind_name(GW_SECRET_FILE), "file");
    assert_string_equal(gw_secret_kind_name(GW_SECRET_SSM), "ssm");
    assert_string_equal(gw_secret_kind_name(GW_SECRET_NONE), "none");
}

/* Resolves `ref_text` for the setting "test.secret". */
static gw_err resolve(const char *ref_text, gw_secret *out, gw_error_detail *err)
{
    gw_secret_ref ref;
    gw_err rc;

    assert_int_equal(gw_secret_ref_parse(ref_text, &ref, NULL), GW_OK);
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    rc = gw_secret_resolve_local(&ref, "test.secret", out, err);
    gw_secret_ref_clear(&ref);
    return rc;
}

static void resolve_env_set(void **state)
{
    gw_secret value;
    gw_error_detail err;

    (void)state;
    assert_int_equal(setenv("GW_TEST_SECRET", "s3cret-value", 1), 0);
    assert_int_equal(resolve("env:GW_TEST_SECRET", &value, &err), GW_OK);
    assert_int_equal(value.len, strlen("s3cret-value"));
    assert_string_equal(value.data, "s3cret-value");
    gw_secret_clear(&value);
    assert_null(value.data);
    assert_int_equal(value.len, 0);
    unsetenv("GW_TEST_SECRET");
}

static void resolve_env_unset(void **state)
{
    gw_secret value;
    gw_error_detail err;

    (void)state;
    unsetenv("GW_TEST_SECRET_UNSET");
    assert_int_equal(resolve("env:GW_TEST_SECRET_UNSET", &value, &err), GW_ERR_SECRET);
    assert_null(value.data);
    assert_non_null(strstr(err.message, "GW_TEST_SECRET_UNSET"));
    assert_non_null(strstr(err.message, "test.secret"));
    assert_non_null(strstr(err.message, "not set"));
}

static void resolve_env_empty(void **state)
{
    gw_secret value;
    gw_error_detail err;

    (void)state;
    assert_int_equal(setenv("GW_TEST_SECRET_EMPTY", "", 1), 0);
    assert_int_equal(resolve("env:GW_TEST_SECRET_EMPTY", &value, &err), GW_ERR_SECRET);
    assert_null(value.data);
    assert_non_null(strstr(err.message, "GW_TEST_SECRET_EMPTY"));
    assert_non_null(strstr(err.message, "empty"));
    unsetenv("GW_TEST_SECRET_EMPTY");
}

static void resolve_ssm_not_local(void **state)
{
    gw_secret value;
    gw_error_detail err;

    (void)state;
    assert_int_equal(resolve("ssm:/prod/key", &value, &err), GW_ERR_SECRET);
    assert_null(value.data);
    assert_non_null(strstr(err.message, "/prod/key"));
}

static void resolve_none(void **state)
{
    gw_secret_ref ref = {GW_SECRET_NONE, NULL};
    gw_secret value = {NULL, 0};
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_secret_resolve_local(&ref, "test.secret", &value, &err), GW_ERR_SECRET);
    assert_null(value.data);
    assert_non_null(strstr(err.message, "test.secret"));
}

/* Writes `len` bytes to a new temporary file and stores its path in
 * `path` (capacity 64). The caller removes the file. */
static void write_temp_file(const char *content, size_t len, char *path)
{
    int fd;

    snprintf(path, 64, "/tmp/gw-secret-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* File contents and the secret they must give. A NULL `expected` means
 * the file is rejected as empty. */
typedef struct file_case {
    const char *name;
    const char *content;
    size_t len;
    const char *expected;
    size_t expected_len;
} file_case;

static const file_case file_cases[] = {
    {"file_plain", "s3cret", 6, "s3cret", 6},
    {"file_trailing_newline", "s3cret\n", 7, "s3cret", 6},
    {"file_trailing_crlf", "s3cret\r\n", 8, "s3cret", 6},
    {"file_two_newlines", "s3cret\n\n", 8, "s3cret\n", 7},
    {"file_inner_newline", "line1\nline2\n", 12, "line1\nline2", 11},
    {"file_leading_space_kept", " s3cret ", 8, " s3cret ", 8},
    {"file_binary_with_nul", "a\0b\n", 4, "a\0b", 3},
    {"file_empty", "", 0, NULL, 0},
    {"file_only_newline", "\n", 1, NULL, 0},
    {"file_only_crlf", "\r\n", 2, NULL, 0},
};

static void resolve_file_case(void **state)
{
    const file_case *c = *state;
    char path[64];
    char ref_text[80];
    gw_secret value;
    gw_error_detail err;
    gw_err rc;

    write_temp_file(c->content, c->len, path);
    snprintf(ref_text, sizeof ref_text, "file:%s", path);
    rc = resolve(ref_text, &value, &err);
    unlink(path);

    if (c->expected) {
        assert_int_equal(rc, GW_OK);
        assert_int_equal(value.len, c->expected_len);
        assert_memory_equal(value.data, c->expected, c->expected_len);
        assert_int_equal(value.data[value.len], '\0');
        gw_secret_clear(&value);
    } else {
        assert_int_equal(rc, GW_ERR_SECRET);
        assert_null(value.data);
        assert_non_null(strstr(err.message, "empty"));
        assert_non_null(strstr(err.message, path));
    }
}

static void resolve_file_missing(void **state)
{
    gw_secret value;
    gw_error_detail err;

    (void)state;
    assert_int_equal(resolve("file:/nonexistent/gw-test/secret", &value, &err), GW_ERR_SECRET);
    assert_null(value.data);
    assert_non_null(strstr(err.message, "/nonexistent/gw-test/secret"));
    assert_non_null(strstr(err.message, "test.secret"));
}

static void resolve_file_directory(void **state)
{
    char dir[] = "/tmp/gw-secret-dir-XXXXXX";
    char ref_text[64];
    gw_secret value;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(ref_text, sizeof ref_text, "file:%s", dir);
    rc = resolve(ref_text, &value, &err);
    rmdir(dir);
    assert_int_equal(rc, GW_ERR_SECRET);
    assert_null(value.data);
}

/* A file larger than 64 KiB is taken for a wrong path and rejected, and
 * the message does not contain the content. */
static void resolve_file_too_large(void **state)
{
    size_t len = 64 * 1024 + 1;
    char *content = malloc(len);
    char path[64];
    char ref_text[80];
    gw_secret value;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    assert_non_null(content);
    memset(content, 'k', len);
    write_temp_file(content, len, path);
    free(content);
    snprintf(ref_text, sizeof ref_text, "file:%s", path);
    rc = resolve(ref_text, &value, &err);
    unlink(path);
    assert_int_equal(rc, GW_ERR_SECRET);
    assert_null(value.data);
    assert_null(strstr(err.message, "kkkk"));
}

static void resolve_file_max_size(void **state)
{
    size_t len = 64 * 1024;
    char *content = malloc(len);
    char path[64];
    char ref_text[80];
    gw_secret value;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    assert_non_null(content);
    memset(content, 'k', len);
    write_temp_file(content, len, path);
    free(content);
    snprintf(ref_text, sizeof ref_text, "file:%s", path);
    rc = resolve(ref_text, &value, &err);
    unlink(path);
    assert_int_equal(rc, GW_OK);
    assert_int_equal(value.len, len);
    gw_secret_clear(&value);
}

static void secret_set_replaces(void **state)
{
    gw_secret value = {NULL, 0};

    (void)state;
    assert_int_equal(gw_secret_set(&value, "first", 5), GW_OK);
    assert_int_equal(gw_secret_set(&value, "xy\0z", 4), GW_OK);
    assert_int_equal(value.len, 4);
    assert_memory_equal(value.data, "xy\0z", 5);
    gw_secret_clear(&value);
    assert_null(value.data);
}

static void secret_clear_twice(void **state)
{
    gw_secret value = {NULL, 0};

    (void)state;
    gw_secret_clear(&value);
    assert_int_equal(gw_secret_set(&value, "abc", 3), GW_OK);
    gw_secret_clear(&value);
    gw_secret_clear(&value);
    gw_secret_clear(NULL);
    assert_null(value.data);
    assert_int_equal(value.len, 0);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, ref_cases, ref_parse_case);
    UNIT_ADD(&list, ref_clear_null);
    UNIT_ADD(&list, kind_names);
    UNIT_ADD(&list, resolve_env_set);
    UNIT_ADD(&list, resolve_env_unset);
    UNIT_ADD(&list, resolve_env_empty);
    UNIT_ADD(&list, resolve_ssm_not_local);
    UNIT_ADD(&list, resolve_none);
    UNIT_ADD_ROWS(&list, file_cases, resolve_file_case);
    UNIT_ADD(&list, resolve_file_missing);
    UNIT_ADD(&list, resolve_file_directory);
    UNIT_ADD(&list, resolve_file_too_large);
    UNIT_ADD(&list, resolve_file_max_size);
    UNIT_ADD(&list, secret_set_replaces);
    UNIT_ADD(&list, secret_clear_twice);
    return unit_run("secret", &list);
}
