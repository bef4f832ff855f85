/*
 * gw_neo4j.h - bounded pool of keep-alive HTTP connections to Neo4j's
 * Query API, and query execution over it.
 *
 * Each slot is one libcurl easy handle with its own one-connection cache,
 * so a slot is a kept-alive connection. A thread takes a slot for one
 * request and gives it back; no handle is ever used by two threads at once.
 * Acquiring waits at most acquire_timeout_ms, then fails with
 * GW_ERR_POOL_EXHAUSTED.
 *
 * Retries: libcurl itself re-sends a request on a fresh connection when a
 * reused one turns out dead before any request body byte went out. Beyond
 * that, a read whose connection broke is retried once on a fresh
 * connection; a write whose body was sent is never retried (its outcome is
 * unknown: GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN).
 *
 * Time budget: a request that runs past request_timeout_ms fails with
 * GW_ERR_NEO4J_TIMEOUT, and when it carries a request id the pool then
 * terminates its transaction on the server (SHOW TRANSACTIONS ... TERMINATE
 * TRANSACTIONS, matched on the request id parameter), so the query does not
 * keep running after the client got its 504.
 *
 * Ownership: the pool owns its handles and a copy of the credentials, wiped
 * on replacement and on destroy. gw_neo4j_response.body is new memory the
 * caller releases with free().
 */
#ifndef GW_NEO4J_H
#define GW_NEO4J_H

#include <stddef.h>

#include "gw_config.h"
#include "gw_error.h"

typedef struct gw_neo4j_pool gw_neo4j_pool;

/* Parameter name that carries a request's id in its Neo4j transaction. */
#define GW_NEO4J_REQUEST_ID_PARAMETER "cypher_gateway_request_id"


typedef struct gw_neo4j_settings {
    const char *url;     /* base URL, no trailing slash; borrowed during create */
    const char *ca_file; /* NULL: system CA store */
    int size;
    long acquire_timeout_ms;
    long connect_timeout_ms;
    long request_timeout_ms;
    long max_idle_s;
    size_t max_result_bytes;
} gw_neo4j_settings;

gw_err gw_neo4j_pool_create(const gw_neo4j_settings *settings, gw_neo4j_pool **out, gw_error_detail *err);

/* Closes every connection and frees the pool. No request may be running. */
void gw_neo4j_pool_destroy(gw_neo4j_pool *pool);

/* Sets the Basic credentials used for every later request (thread-safe, so
 * rotation can call it while requests run). */
gw_err gw_neo4j_pool_set_credentials(gw_neo4j_pool *pool, const char *user, const char *password,
                                     size_t password_len);

typedef struct gw_neo4j_request {
    const char *database;
    const char *body;
    size_t body_len;
    gw_mode mode;             /* decides whether a failed attempt may be retried */
    const char *content_type; /* NULL: application/json */
    const char *accept;       /* NULL: application/json */
    const char *request_id;   /* value of the request id parameter; NULL: none */
} gw_neo4j_request;

typedef struct gw_neo4j_response {
    long status;
    char *body; /* owned by the caller: free() */
    size_t len;
    char content_type[128];
    long elapsed_us; /* time spent talking to Neo4j, retries included */
    int attempts;
    unsigned long credentials_generation; /* which credentials the request used */
} gw_neo4j_response;

/* Sends one Query API request. On GW_OK `out` contains Neo4j's HTTP response,
 * whatever its status; errors mean no usable response arrived. */
gw_err gw_neo4j_execute(gw_neo4j_pool *pool, const gw_neo4j_request *request,
                        gw_neo4j_response *out, gw_error_detail *err);

void gw_neo4j_response_clear(gw_neo4j_response *response);

/* Returns the generation of the current credentials: it grows by one
 * with every gw_neo4j_pool_set_credentials. */
unsigned long gw_neo4j_pool_credentials_generation(gw_neo4j_pool *pool);

/* Returns the number of slots and how many are free right now. */
void gw_neo4j_pool_stats(gw_neo4j_pool *pool, int *size, int *free_slots);

#endif
