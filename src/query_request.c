/* query_request.c - query request validation (see gw_query_request.h). */
#include "gw_query_request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static gw_err check_mode(const json_t *value, gw_mode *out, gw_error_detail *err)
{
    const char *text;

    if (!json_is_string(value))
        return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'accessMode' must be \"read\" or \"write\"");
    text = json_string_value(value);
    if (strcasecmp(text, "read") == 0)
        *out = GW_MODE_READ;
    else if (strcasecmp(text, "write") == 0)
        *out = GW_MODE_WRITE;
    else
        return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'accessMode' must be \"read\" or \"write\"");
    return GW_OK;
}

static gw_err check_bookmarks(const json_t *value, gw_error_detail *err)
{
    size_t i;
    const json_t *item;

    if (!json_is_array(value))
        return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'bookmarks' must be an array of strings");
    json_array_foreach(value, i, item) {
        if (!json_is_string(item))
            return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                                "field 'bookmarks' must be an array of strings (item %zu is not)", i);
    }
    return GW_OK;
}

/* Returns the nesting depth of lists and maps in `value` (a scalar is 0),
 * stopping early once it exceeds `limit`. */
static int nesting_depth(const json_t *value, int limit)
{
    int deepest = 0;

    if (limit < 0)
        return 1;
    if (json_is_object(value)) {
        const char *key;
        json_t *item;

        json_object_foreach((json_t *)value, key, item) {
            int d = nesting_depth(item, limit - 1);

            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
        return deepest + 1;
    }
    if (json_is_array(value)) {
        size_t i;
        json_t *item;

        json_array_foreach(value, i, item) {
            int d = nesting_depth(item, limit - 1);

            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
        return deepest + 1;
    }
    return 0;
}

static gw_err check_limits(const json_t *body, const gw_query_limits *limits, gw_error_detail *err)
{
    const json_t *statement = json_object_get(body, "statement");
    const json_t *parameters = json_object_get(body, "parameters");
    const json_t *bookmarks = json_object_get(body, "bookmarks");

    if (json_string_length(statement) > limits->max_statement_bytes)
        return gw_error_set(err, GW_ERR_STATEMENT_TOO_LONG,
                            "the statement is %zu bytes; the limit is %zu (limits.max_statement_bytes); pass "
                            "data as parameters instead of inlining it", json_string_length(statement),
                            limits->max_statement_bytes);
    /* The parameters map itself is level 1; its values add their own. */
    if (parameters && nesting_depth(parameters, limits->max_parameter_depth) > limits->max_parameter_depth)
        return gw_error_set(err, GW_ERR_PARAMETERS_TOO_DEEP,
                            "the parameters are nested more than %d levels deep (limits.max_parameter_depth)",
                            limits->max_parameter_depth);
    if (bookmarks && json_array_size(bookmarks) > (size_t)limits->max_bookmarks)
        return gw_error_set(err, GW_ERR_TOO_MANY_BOOKMARKS,
                            "the request has %zu bookmarks; the limit is %d (limits.max_bookmarks); send only "
                            "the latest", json_array_size(bookmarks), limits->max_bookmarks);
    return GW_OK;
}

static gw_err check_field(const char *key, const json_t *value, int allow_database,
                          gw_query_request *out, gw_error_detail *err)
{
    if (strcmp(key, "statement") == 0) {
        if (!json_is_string(value) || json_string_length(value) == 0)
            return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'statement' must be a non-empty string");
        return GW_OK;
    }
    if (strcmp(key, "parameters") == 0) {
        if (!json_is_object(value))
            return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'parameters' must be a JSON object");
        if (json_object_get(value, GW_REQUEST_ID_PARAMETER))
            return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                                "parameter name '" GW_REQUEST_ID_PARAMETER "' is reserved by the gateway");
        return GW_OK;
    }
    if (strcmp(key, "bookmarks") == 0)
        return check_bookmarks(value, err);
    if (strcmp(key, "includeCounters") == 0) {
        if (!json_is_boolean(value))
            return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'includeCounters' must be true or false");
        return GW_OK;
    }
    if (strcmp(key, "accessMode") == 0)
        return check_mode(value, &out->requested_mode, err);
    if (allow_database && strcmp(key, "database") == 0) {
        if (!json_is_string(value) || !gw_database_name_valid(json_string_value(value)))
            return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                                "field 'database' must be a database name of 1..%d letters, digits, "
                                "'.', '-' or '_'", GW_DB_NAME_MAX);
        strcpy(out->database, json_string_value(value));
        return GW_OK;
    }
    if (strcmp(key, "queryName") == 0) {
        if (!json_is_string(value) || json_string_length(value) == 0 ||
            json_string_length(value) >= sizeof out->query_name)
            return gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'queryName' must be a name of 1..%zu characters",
                                sizeof out->query_name - 1);
        strcpy(out->query_name, json_string_value(value));
        return GW_OK;
    }
    if (strcmp(key, "impersonatedUser") == 0)
        return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                            "field 'impersonatedUser' is not allowed through the gateway");
    return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                        "unknown field '%.64s'; allowed: statement, parameters, bookmarks, includeCounters, "
                        "accessMode%s", key, allow_database ? ", database" : "");
}

gw_err gw_query_request_parse(const char *text, size_t len, const char *path_database,
                              const char *default_database, const gw_query_limits *limits,
                              gw_query_request *out, gw_error_detail *err)
{
    json_error_t jerr;
    const char *key;
    json_t *value;
    gw_err rc;

    memset(out, 0, sizeof *out);
    out->requested_mode = GW_MODE_READ;

    if (len == 0)
        return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                            "the request body is empty; send {\"statement\": \"...\"}");
    /* Duplicate keys are rejected so the gateway and Neo4j can never read
     * different values from one body. */
    out->body = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!out->body)
        return gw_error_set(err, GW_ERR_INVALID_REQUEST, "the body is not valid JSON (line %d, column %d): %s",
                            jerr.line, jerr.column, jerr.text);
    if (!json_is_object(out->body)) {
        rc = gw_error_set(err, GW_ERR_INVALID_REQUEST, "the body must be a JSON object with a 'statement' field");
        goto fail;
    }

    json_object_foreach(out->body, key, value) {
        rc = check_field(key, value, path_database == NULL, out, err);
        if (rc != GW_OK)
            goto fail;
    }
    if (!json_object_get(out->body, "statement") && !out->query_name[0]) {
        rc = gw_error_set(err, GW_ERR_INVALID_REQUEST, "field 'statement' is missing");
        goto fail;
    }
    if (json_object_get(out->body, "statement") && out->query_name[0]) {
        rc = gw_error_set(err, GW_ERR_INVALID_REQUEST, "send either 'statement' or 'queryName', not both");
        goto fail;
    }
    if (limits) {
        rc = check_limits(out->body, limits, err);
        if (rc != GW_OK)
            goto fail;
    }

    if (path_database) {
        if (!gw_database_name_valid(path_database)) {
            rc = gw_error_set(err, GW_ERR_INVALID_REQUEST, "the database name in the path is invalid");
            goto fail;
        }
        strcpy(out->database, path_database);
    } else if (out->database[0] == '\0') {
        strcpy(out->database, default_database);
    }
    json_object_del(out->body, "database");
    return GW_OK;

fail:
    gw_query_request_clear(out);
    return rc;
}

char *gw_query_request_neo4j_body(gw_query_request *req, gw_mode mode, const char *request_id, int typed,
                                  size_t *len)
{
    json_t *parameters = json_object_get(req->body, "parameters");
    json_t *id_value;
    char *text;

    if (json_object_set_new(req->body, "accessMode", json_string(mode == GW_MODE_WRITE ? "Write" : "Read")) != 0)
        return NULL;
    if (!parameters) {
        parameters = json_object();
        if (json_object_set_new(req->body, "parameters", parameters) != 0)
            return NULL;
    }
    id_value = typed ? json_pack("{s:s, s:s}", "$type", "String", "_value", request_id) : json_string(request_id);
    if (json_object_set_new(parameters, GW_REQUEST_ID_PARAMETER, id_value) != 0)
        return NULL;
    text = json_dumps(req->body, JSON_COMPACT);
    if (text)
        *len = strlen(text);
    return text;
}

gw_err gw_query_request_set_statement(gw_query_request *req, const char *statement)
{
    if (json_object_set_new(req->body, "statement", json_string(statement)) != 0)
        return GW_ERR_NOMEM;
    json_object_del(req->body, "queryName");
    return GW_OK;
}

const char *gw_query_request_statement(const gw_query_request *req, size_t *len)
{
    const json_t *statement = json_object_get(req->body, "statement");

    *len = json_string_length(statement);
    return json_is_string(statement) ? json_string_value(statement) : "";
}

void gw_query_request_clear(gw_query_request *req)
{
    json_decref(req->body);
    memset(req, 0, sizeof *req);
}
