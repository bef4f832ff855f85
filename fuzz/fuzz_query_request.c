/*
 * fuzz_query_request.c - libFuzzer harness for query request validation.
 *
 * The input is a request body. It is parsed twice: as on POST /query (no
 * database in the path) with small request limits, so inputs reach each
 * limit, and as on POST /db/movies/query/v2 without limits. Each accepted
 * request is serialised for Neo4j, after a "queryName" is replaced by a
 * statement as the query handler does. The serialised body is parsed back
 * to check that only the fields of Neo4j's Query API leave the gateway and
 * that the gateway's request id parameter carries the gateway's value.
 */
#include "fuzz.h"

#include <jansson.h>

#include "gw_query_request.h"

#define DEFAULT_DATABASE "neo4j"
#define PATH_DATABASE "movies"
#define REQUEST_ID "fuzz-request-0001"
#define NAMED_STATEMENT "MATCH (m:Movie {title: $title}) RETURN m.released"

static const gw_query_limits small_limits = {
    .max_statement_bytes = 64,
    .max_parameter_depth = 3,
    .max_bookmarks = 2,
};

static int neo4j_field_allowed(const char *key)
{
    static const char *const allowed[] = {"statement", "parameters", "bookmarks", "includeCounters",
                                          "accessMode"};

    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (strcmp(key, allowed[i]) == 0)
            return 1;
    }
    return 0;
}

/* Checks the request id parameter, a plain string or in typed JSON form. */
static void check_request_id(const json_t *parameters, int typed)
{
    const json_t *id = json_object_get(parameters, GW_REQUEST_ID_PARAMETER);

    if (typed) {
        FUZZ_CHECK(json_is_object(id) && json_object_size(id) == 2);
        FUZZ_CHECK(json_is_string(json_object_get(id, "$type")));
        FUZZ_CHECK(strcmp(json_string_value(json_object_get(id, "$type")), "String") == 0);
        id = json_object_get(id, "_value");
    }
    FUZZ_CHECK(json_is_string(id) && strcmp(json_string_value(id), REQUEST_ID) == 0);
}

static void check_neo4j_body(gw_query_request *req, gw_mode mode, int typed)
{
    size_t len = 0;
    char *text = gw_query_request_neo4j_body(req, mode, REQUEST_ID, typed, &len);
    json_t *sent, *value;
    const char *key;

    if (!text)
        return; /* out of memory is the only documented failure */
    FUZZ_CHECK(len == strlen(text));

    sent = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    FUZZ_CHECK(json_is_object(sent));
    json_object_foreach(sent, key, value) {
        FUZZ_CHECK(neo4j_field_allowed(key));
    }
    value = json_object_get(sent, "statement");
    FUZZ_CHECK(json_is_string(value) && json_string_length(value) > 0);
    FUZZ_CHECK(json_equal(value, json_object_get(req->body, "statement")));
    value = json_object_get(sent, "accessMode");
    FUZZ_CHECK(json_is_string(value));
    FUZZ_CHECK(strcmp(json_string_value(value), mode == GW_MODE_WRITE ? "Write" : "Read") == 0);
    value = json_object_get(sent, "parameters");
    FUZZ_CHECK(json_is_object(value));
    check_request_id(value, typed);

    json_decref(sent);
    free(text);
}

/* Returns the nesting depth of lists and maps in `value`. A scalar is 0. */
static int depth_of(const json_t *value)
{
    const char *key;
    json_t *item;
    size_t i;
    int deepest = 0;

    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, item) {
            int d = depth_of(item);

            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (json_is_array(value)) {
        json_array_foreach(value, i, item) {
            int d = depth_of(item);

            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    return 0;
}

/* Checks an accepted body against `limits`, or the claim of a limit error
 * against the body. */
static void check_limits(const json_t *body, const gw_query_limits *limits, gw_err rc)
{
    const json_t *statement = json_object_get(body, "statement");
    const json_t *parameters = json_object_get(body, "parameters");
    const json_t *bookmarks = json_object_get(body, "bookmarks");
    int statement_over = json_string_length(statement) > limits->max_statement_bytes;
    int parameters_over = parameters && depth_of(parameters) > limits->max_parameter_depth;
    int bookmarks_over = bookmarks && json_array_size(bookmarks) > (size_t)limits->max_bookmarks;

    switch (rc) {
    case GW_OK:
        FUZZ_CHECK(!statement_over && !parameters_over && !bookmarks_over);
        break;
    case GW_ERR_STATEMENT_TOO_LONG:
        FUZZ_CHECK(statement_over);
        break;
    case GW_ERR_PARAMETERS_TOO_DEEP:
        FUZZ_CHECK(parameters_over);
        break;
    case GW_ERR_TOO_MANY_BOOKMARKS:
        FUZZ_CHECK(bookmarks_over);
        break;
    default:
        break;
    }
}

static void parse_once(const uint8_t *data, size_t size, const char *path_database,
                       const gw_query_limits *limits)
{
    gw_query_request req;
    gw_error_detail err;
    gw_err rc;

    memset(&err, 0, sizeof err);
    rc = gw_query_request_parse((const char *)data, size, path_database, DEFAULT_DATABASE, limits, &req, &err);
    if (rc != GW_OK) {
        FUZZ_CHECK(rc == GW_ERR_INVALID_REQUEST || rc == GW_ERR_NOMEM ||
                   (limits && (rc == GW_ERR_STATEMENT_TOO_LONG || rc == GW_ERR_PARAMETERS_TOO_DEEP ||
                               rc == GW_ERR_TOO_MANY_BOOKMARKS)));
        FUZZ_CHECK(req.body == NULL);
        FUZZ_CHECK(fuzz_terminated(err.message, sizeof err.message));
        FUZZ_CHECK(rc == GW_ERR_NOMEM || err.message[0] != '\0');
        if (limits && rc != GW_ERR_INVALID_REQUEST && rc != GW_ERR_NOMEM) {
            /* The flags gw_query_request_parse uses, so the tree is the same. */
            json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);

            FUZZ_CHECK(json_is_object(body));
            check_limits(body, limits, rc);
            json_decref(body);
        }
        return;
    }

    FUZZ_CHECK(json_is_object(req.body));
    FUZZ_CHECK(json_object_get(req.body, "database") == NULL);
    FUZZ_CHECK(fuzz_terminated(req.database, sizeof req.database));
    FUZZ_CHECK(gw_database_name_valid(req.database));
    if (path_database)
        FUZZ_CHECK(strcmp(req.database, path_database) == 0);
    FUZZ_CHECK(req.requested_mode == GW_MODE_READ || req.requested_mode == GW_MODE_WRITE);
    /* A client must not be able to set the gateway's own parameter. */
    FUZZ_CHECK(json_object_get(json_object_get(req.body, "parameters"), GW_REQUEST_ID_PARAMETER) == NULL);
    if (limits)
        check_limits(req.body, limits, rc);

    /* A request names either a statement or a configured query, never both. */
    FUZZ_CHECK(fuzz_terminated(req.query_name, sizeof req.query_name));
    FUZZ_CHECK((json_object_get(req.body, "statement") != NULL) == (req.query_name[0] == '\0'));
    if (req.query_name[0] != '\0') {
        if (gw_query_request_set_statement(&req, NAMED_STATEMENT) != GW_OK) {
            gw_query_request_clear(&req);
            return; /* out of memory */
        }
        FUZZ_CHECK(json_object_get(req.body, "queryName") == NULL);
    }
    size_t statement_len = 0;
    const char *statement = gw_query_request_statement(&req, &statement_len);

    FUZZ_CHECK(statement_len > 0 && statement_len == json_string_length(json_object_get(req.body, "statement")));
    FUZZ_CHECK(memcmp(statement, json_string_value(json_object_get(req.body, "statement")), statement_len) == 0);

    /* Both modes and both parameter forms are serialised. Each call edits
     * req.body in place, so the second one also replaces the id. */
    check_neo4j_body(&req, req.requested_mode, 0);
    check_neo4j_body(&req, req.requested_mode == GW_MODE_WRITE ? GW_MODE_READ : GW_MODE_WRITE, 1);

    gw_query_request_clear(&req);
    FUZZ_CHECK(req.body == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_once(data, size, NULL, &small_limits);
    parse_once(data, size, PATH_DATABASE, NULL);
    return 0;
}
