/* neo4j_result.c - Neo4j response inspection (see gw_neo4j_result.h). */
#include "gw_neo4j_result.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Returns the index just past the string starting at s[i] == '"', or 0 on
 * a string that does not end. Result bodies are mostly strings, so the
 * closing quote is found with memchr; a quote ends the string when an even
 * number of backslashes precedes it. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    size_t from = i + 1;

    while (from < len) {
        const char *quote = memchr(s + from, '"', len - from);
        size_t pos, backslashes = 0;

        if (!quote)
            return 0;
        pos = (size_t)(quote - s);
        while (pos - 1 - backslashes > i && s[pos - 1 - backslashes] == '\\')
            backslashes++;
        if (backslashes % 2 == 0)
            return pos + 1;
        from = pos + 1;
    }
    return 0;
}

/* Returns the index just past the value starting at s[i], or 0 when the
 * value is truncated. Nested containers are skipped by depth counting; the
 * text was produced by Neo4j, so full validation is not needed here. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    size_t depth = 0;

    if (i >= len)
        return 0;
    if (s[i] == '"')
        return skip_string(s, len, i);
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
               s[i] != '\r' && s[i] != '\t')
            i++;
        return i;
    }
    for (; i < len; i++) {
        char c = s[i];

        if (c == '"') {
            i = skip_string(s, len, i);
            if (i == 0)
                return 0;
            i--;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return 0;
}

int gw_json_find_top_level(const char *text, size_t len, const char *key, size_t *offset, size_t *length)
{
    size_t key_len = strlen(key);
    size_t i = skip_space(text, len, 0);

    if (i >= len || text[i] != '{')
        return -1;
    i = skip_space(text, len, i + 1);
    if (i < len && text[i] == '}')
        return 1;

    while (i < len) {
        size_t key_start, key_end, value_start, value_end;

        if (text[i] != '"')
            return -1;
        key_start = i + 1;
        key_end = skip_string(text, len, i);
        if (key_end == 0)
            return -1;
        i = skip_space(text, len, key_end);
        if (i >= len || text[i] != ':')
            return -1;
        value_start = skip_space(text, len, i + 1);
        value_end = skip_value(text, len, value_start);
        if (value_end == 0 || value_end == value_start)
            return -1;
        /* Keys written by Neo4j have no escapes, so a byte compare is exact. */
        if (key_end - 1 - key_start == key_len && memcmp(text + key_start, key, key_len) == 0) {
            *offset = value_start;
            *length = value_end - value_start;
            return 0;
        }
        i = skip_space(text, len, value_end);
        if (i < len && text[i] == ',') {
            i = skip_space(text, len, i + 1);
            continue;
        }
        if (i < len && text[i] == '}')
            return 1;
        return -1;
    }
    return -1;
}

int gw_neo4j_status_for_code(const char *code)
{
    static const struct {
        const char *prefix;
        int status;
    } table[] = {
        /* Most specific first. */
        {"Neo.ClientError.Security.Unauthorized", 502},
        {"Neo.ClientError.Security.AuthenticationRateLimit", 502},
        {"Neo.ClientError.Security.", 403},
        {"Neo.ClientError.Statement.AccessMode", 403},
        {"Neo.ClientError.Database.DatabaseNotFound", 404},
        {"Neo.ClientError.Transaction.TransactionTimedOut", 504},
        {"Neo.ClientError.Request.", 400},
        {"Neo.ClientError.", 400},
        {"Neo.TransientError.", 503},
        {"Neo.DatabaseError.", 502},
    };

    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strncmp(code, table[i].prefix, strlen(table[i].prefix)) == 0)
            return table[i].status;
    }
    return 502;
}

/* Scans every top-level member of `text`. Returns 1 when the object is
 * complete, -1 otherwise. A raw key can never be a lone '"', so the search
 * below never stops at a match. */
static int scan_top_level(const char *text, size_t len)
{
    size_t offset, length;

    return gw_json_find_top_level(text, len, "\"", &offset, &length);
}

/* Reads the first error's code from the errors array text. */
static int first_error_code(const char *text, size_t len, char *code, size_t cap)
{
    json_t *errors = json_loadb(text, len, JSON_ALLOW_NUL, NULL); /* messages quote the statement, NULs too */
    json_t *first, *value;
    int found = -1;

    if (!json_is_array(errors))
        goto out;
    if (json_array_size(errors) == 0) {
        found = 0;
        goto out;
    }
    first = json_array_get(errors, 0);
    value = json_object_get(first, "code");
    snprintf(code, cap, "%s", json_is_string(value) ? json_string_value(value) : "Neo.DatabaseError.General.UnknownError");
    found = 1;

out:
    json_decref(errors);
    return found;
}

void gw_neo4j_inspect(long http_status, const char *body, size_t len, gw_neo4j_outcome *out)
{
    size_t off = 0, span = 0;
    int where;

    memset(out, 0, sizeof *out);
    out->err = GW_OK;

    if (http_status == 401) {
        /* The gateway's own Neo4j credentials failed: the client did nothing
         * wrong, and Neo4j's 401 must not look like a client token error. */
        out->err = GW_ERR_NEO4J_AUTH;
        out->status = out->passthrough_status = gw_err_http_status(GW_ERR_NEO4J_AUTH);
        return;
    }

    where = gw_json_find_top_level(body, len, "errors", &off, &span);
    if (where == 0) {
        int found = first_error_code(body + off, span, out->code, sizeof out->code);

        if (found < 0) {
            out->err = GW_ERR_NEO4J_BAD_RESPONSE;
            out->status = out->passthrough_status = gw_err_http_status(out->err);
            return;
        }
        if (found == 1) {
            out->errors_offset = off;
            out->errors_length = span;
            out->status = gw_neo4j_status_for_code(out->code);
            if (out->status == 502 && strncmp(out->code, "Neo.ClientError.Security.", 25) == 0)
                out->err = GW_ERR_NEO4J_AUTH;
            /* A 202 with errors is a failure on every route. */
            out->passthrough_status = (http_status >= 200 && http_status < 300) ? out->status : (int)http_status;
            if (out->err == GW_ERR_NEO4J_AUTH)
                out->passthrough_status = out->status;
            return;
        }
        /* The search stopped at the empty "errors" array; what follows it
         * must be complete too. */
        where = scan_top_level(body, len);
    }
    if (where < 0 || http_status < 200 || http_status >= 300) {
        out->err = GW_ERR_NEO4J_BAD_RESPONSE;
        out->status = out->passthrough_status = gw_err_http_status(out->err);
        return;
    }
    out->success = 1;
    out->status = 200;
    out->passthrough_status = (int)http_status;
}
