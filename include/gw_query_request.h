/*
 * gw_query_request.h - validation of query requests and the body sent to
 * Neo4j's Query API.
 *
 * Pure: JSON text in, validated request out. Accepted fields are those of
 * Neo4j's Query API (statement, parameters, bookmarks, includeCounters,
 * accessMode) plus "database" on POST /query and "queryName" (a named query
 * from the configuration, sent instead of "statement"). Anything else is rejected, so
 * a client cannot smuggle options such as impersonatedUser past the gateway.
 *
 * Ownership: gw_query_request owns `body` (a jansson reference); release
 * with gw_query_request_clear.
 */
#ifndef GW_QUERY_REQUEST_H
#define GW_QUERY_REQUEST_H

#include <stddef.h>

#include <jansson.h>

#include "gw_config.h"
#include "gw_error.h"
#include "gw_neo4j.h"

typedef struct gw_query_request {
    json_t *body; /* the validated request object, edited in place */
    char database[GW_DB_NAME_MAX + 1];
    gw_mode requested_mode; /* GW_MODE_READ unless accessMode requests a write */
    char query_name[129];   /* "queryName": a named query from the configuration; "" when a statement is sent */
} gw_query_request;

typedef struct gw_query_limits {
    size_t max_statement_bytes;
    int max_parameter_depth; /* levels of lists and maps inside "parameters" */
    int max_bookmarks;
} gw_query_limits;

/* Parses `text`. `path_database` is the database from the URL path, or
 * NULL on POST /query, where the body's "database" or `default_database`
 * applies. `limits` may be NULL for none. Errors are GW_ERR_INVALID_REQUEST
 * with a message naming the field (never its value), or
 * GW_ERR_STATEMENT_TOO_LONG, GW_ERR_PARAMETERS_TOO_DEEP and
 * GW_ERR_TOO_MANY_BOOKMARKS when a limit is exceeded. */
gw_err gw_query_request_parse(const char *text, size_t len, const char *path_database,
                              const char *default_database, const gw_query_limits *limits,
                              gw_query_request *out, gw_error_detail *err);

/* Name of the parameter that carries the gateway's request id to Neo4j.
 * Cypher ignores unused parameters, and SHOW TRANSACTIONS lists them, so
 * the gateway can find and terminate a query that ran out of time. */
#define GW_REQUEST_ID_PARAMETER GW_NEO4J_REQUEST_ID_PARAMETER

/* Serialises the body for Neo4j with accessMode set to `mode` and
 * `request_id` added as parameter GW_REQUEST_ID_PARAMETER (typed JSON form
 * when `typed` is nonzero). Returns a new buffer (release with free()) and
 * its length, or NULL when out of memory. */
char *gw_query_request_neo4j_body(gw_query_request *req, gw_mode mode, const char *request_id, int typed,
                                  size_t *len);

/* Replaces a named query reference with its statement text. */
gw_err gw_query_request_set_statement(gw_query_request *req, const char *statement);

/* Returns the statement text (borrowed from the request). */
const char *gw_query_request_statement(const gw_query_request *req, size_t *len);

void gw_query_request_clear(gw_query_request *req);

#endif
