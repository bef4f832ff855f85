/*
 * gw_neo4j_result.h - inspection of Neo4j Query API responses.
 *
 * Neo4j streams results, so it can respond 202 and then report an error
 * after some rows: the body then has "data" and "errors" side by side. The
 * gateway must never pass such a body on as a success. gw_neo4j_inspect
 * scans only the top level of the body (no tree is built for the rows) and
 * decides success or error, and which HTTP status the client gets.
 *
 * Pure; the outcome is a plain value with nothing to free. Offsets point
 * into the body the caller still owns.
 */
#ifndef GW_NEO4J_RESULT_H
#define GW_NEO4J_RESULT_H

#include <stddef.h>

#include "gw_error.h"

typedef struct gw_neo4j_outcome {
    int success;           /* complete result, no errors */
    gw_err err;            /* gateway error when Neo4j's response is unusable */
    int status;            /* status for POST /query (200 on success) */
    int passthrough_status;/* status for POST /db/{db}/query/v2 (Neo4j's own on success) */
    char code[128];        /* first Neo4j error code, "" when none */
    size_t errors_offset;  /* span of the top-level "errors" array */
    size_t errors_length;  /* 0 when there is none */
} gw_neo4j_outcome;

/* Inspects a response with HTTP status `http_status`. */
void gw_neo4j_inspect(long http_status, const char *body, size_t len, gw_neo4j_outcome *out);

/* Returns the HTTP status the gateway uses for a Neo4j error `code`
 * (e.g. "Neo.ClientError.Statement.SyntaxError" gives 400). */
int gw_neo4j_status_for_code(const char *code);

/* Finds the value of top-level key `key` in a JSON object text without
 * building a tree. Returns 0 and the value's span, 1 when the key is
 * absent, or -1 when the text is not a JSON object. */
int gw_json_find_top_level(const char *text, size_t len, const char *key, size_t *offset, size_t *length);

#endif
