/*
 * fuzz_neo4j_result.c - libFuzzer harness for the Neo4j response scanner.
 *
 * The first two input bytes, big-endian, choose the HTTP status (100..599)
 * and the rest is the response body. gw_neo4j_inspect and
 * gw_json_find_top_level run on the raw body for memory safety and bounds.
 * When jansson accepts the body as an object without duplicate keys, the
 * harness also scans jansson's compact serialisation of it, which is the
 * form Neo4j writes (no escapes in keys, no duplicates), and compares the
 * outcome with the parsed tree. A body with a non-empty top-level
 * "errors" array must never be reported as a success, and neither may a
 * truncated body, as when the connection drops while Neo4j streams rows.
 */
#include "fuzz.h"

#include <jansson.h>

#include "gw_neo4j_result.h"

static const char *const keys[] = {"data", "errors", "bookmarks", "counters", "notifications"};

static void check_outcome(long http_status, const char *body, size_t len, const gw_neo4j_outcome *out)
{
    FUZZ_CHECK(fuzz_terminated(out->code, sizeof out->code));
    if (http_status == 401) {
        FUZZ_CHECK(!out->success && out->err == GW_ERR_NEO4J_AUTH);
        return;
    }
    if (out->success) {
        FUZZ_CHECK(out->err == GW_OK && out->status == 200 && out->passthrough_status == http_status);
        FUZZ_CHECK(http_status >= 200 && http_status < 300);
        FUZZ_CHECK(out->errors_length == 0);
        return;
    }
    FUZZ_CHECK(out->status >= 400 && out->status <= 599);
    FUZZ_CHECK(out->passthrough_status >= 100 && out->passthrough_status <= 599);
    if (out->errors_length > 0) {
        FUZZ_CHECK(out->errors_offset < len && out->errors_length <= len - out->errors_offset);
        FUZZ_CHECK(body[out->errors_offset] == '[');
        FUZZ_CHECK(body[out->errors_offset + out->errors_length - 1] == ']');
    }
}

static void find_keys(const char *body, size_t len)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t offset = 0, length = 0;
        int rc = gw_json_find_top_level(body, len, keys[i], &offset, &length);

        FUZZ_CHECK(rc >= -1 && rc <= 1);
        if (rc == 0)
            FUZZ_CHECK(length > 0 && offset < len && length <= len - offset);
    }
}

/* Checks that a strict prefix of a complete object is never a success. */
static void check_truncated(long http_status, const char *text, size_t prefix_len)
{
    gw_neo4j_outcome out;

    gw_neo4j_inspect(http_status, text, prefix_len, &out);
    check_outcome(http_status, text, prefix_len, &out);
    FUZZ_CHECK(!out.success);
}

/* Compares the scanner with jansson on the canonical text of `tree`. */
static void check_canonical(long http_status, json_t *tree)
{
    char *text = json_dumps(tree, JSON_COMPACT);
    size_t len;
    gw_neo4j_outcome out;
    const json_t *errors = json_object_get(tree, "errors");

    if (!text)
        return;
    len = strlen(text);

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_t *value = json_object_get(tree, keys[i]);
        size_t offset = 0, length = 0;
        int rc = gw_json_find_top_level(text, len, keys[i], &offset, &length);

        FUZZ_CHECK(rc == (value ? 0 : 1));
        if (value) {
            char *expected = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

            if (expected) {
                FUZZ_CHECK(length == strlen(expected) && memcmp(text + offset, expected, length) == 0);
                free(expected);
            }
        }
    }

    gw_neo4j_inspect(http_status, text, len, &out);
    check_outcome(http_status, text, len, &out);
    if (http_status != 401) {
        if (json_is_array(errors) && json_array_size(errors) > 0) {
            const json_t *code = json_object_get(json_array_get(errors, 0), "code");

            FUZZ_CHECK(!out.success);
            FUZZ_CHECK(out.errors_length > 0);
            if (json_is_string(code))
                FUZZ_CHECK(strncmp(out.code, json_string_value(code), sizeof out.code - 1) == 0);
        } else if (errors && !json_is_array(errors)) {
            FUZZ_CHECK(!out.success && out.err == GW_ERR_NEO4J_BAD_RESPONSE);
        } else {
            FUZZ_CHECK(out.success == (http_status >= 200 && http_status < 300));
        }
    }
    /* Every prefix of a short text, about 256 of a longer one. */
    for (size_t prefix_len = 0; prefix_len < len; prefix_len += len / 256 + 1)
        check_truncated(http_status, text, prefix_len);
    check_truncated(http_status, text, len - 1);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long http_status = 200;
    const char *body = (const char *)data;
    size_t len = size;
    gw_neo4j_outcome out;
    json_t *tree;

    if (size >= 2) {
        http_status = 100 + (long)(((unsigned)data[0] << 8 | data[1]) % 500);
        body += 2;
        len -= 2;
    }

    gw_neo4j_inspect(http_status, body, len, &out);
    check_outcome(http_status, body, len, &out);
    find_keys(body, len);

    /* Neo4j echoes statements in messages, so NUL escapes can occur. */
    tree = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (json_is_object(tree))
        check_canonical(http_status, tree);
    json_decref(tree);
    return 0;
}
