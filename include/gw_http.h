/*
 * gw_http.h - internals shared by the libmicrohttpd adapter and the route
 * handlers. Not a public API.
 *
 * One gw_request lives from the first call of the access handler for a
 * request to MHD's completion callback; it owns the buffered body and a
 * runtime reference. Handlers answer with exactly one gw_respond_* call.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stddef.h>
#include <pthread.h>
#include <time.h>

#include <microhttpd.h>

#include "gw_claims.h"
#include "gw_error.h"
#include "gw_neo4j.h"
#include "gw_neo4j_result.h"
#include "gw_policy.h"
#include "gw_query_request.h"
#include "gw_rate_limit.h"
#include "gw_route.h"
#include "gw_runtime.h"

#define GW_REQUEST_ID_MAX 64

typedef struct gw_server_state {
    gw_neo4j_pool *pool;
    gw_rate_limiter *token_failures; /* failed POST /token attempts by client and address */
    gw_policy_cache *policy_cache;   /* plan features per database and statement */
    volatile int draining;

    /* Re-reads the secrets after Neo4j rejected the gateway's password (it
     * may have been rotated); see gw_refresh_neo4j_credentials. */
    int (*refresh_credentials)(void *ctx);
    void *refresh_ctx;
    pthread_mutex_t refresh_lock;
    long long last_refresh; /* monotonic seconds; guarded by refresh_lock */
} gw_server_state;

/* Called when Neo4j responded 401 to a request sent with credentials of
 * `used_generation`. Returns 1 when newer credentials are in place (someone
 * else refreshed, or this call did), so the request may be sent once more;
 * 0 when nothing changed. Refreshes at most once per 10 s. */
int gw_refresh_neo4j_credentials(gw_server_state *server, unsigned long used_generation);

typedef struct gw_request {
    struct MHD_Connection *connection;
    gw_server_state *server;
    gw_runtime *runtime; /* reference held for the request's lifetime */
    gw_route route;
    const char *method;
    char request_id[GW_REQUEST_ID_MAX + 1];
    struct timespec started;

    char *body;
    size_t body_len;
    size_t body_cap;
    int body_too_large;

    int responded;
    int status;
    size_t response_bytes;
    char code[128]; /* error code in the access log; "" on success */
    const char *retry_after; /* Retry-After value for a 429, borrowed until the response is queued */

    gw_claims claims;
    int authenticated;
    char client_id[GW_CLAIMS_SUB_MAX + 1];
    char client_address[64]; /* peer IP address as text */
    char database[GW_DB_NAME_MAX + 1];
    const char *mode;
    long neo4j_us;
} gw_request;

/* Sends `err` as {"errors":[{"code","message"}]} with the matching status
 * and headers (WWW-Authenticate, Retry-After, Allow). `message` may be
 * NULL for gw_strerror's text. */
void gw_respond_error(gw_request *req, gw_err err, const char *message);

/* Sends an error of POST /token in RFC 6749 5.2 form, with the errors
 * array beside it. */
void gw_respond_oauth_error(gw_request *req, gw_err err, const char *message);

/* Sends Neo4j's error list unchanged, as {"errors": <Neo4j's array>}, and
 * records its first code for the access log. Rows that came before the
 * error are dropped. */
void gw_respond_neo4j_errors(gw_request *req, const gw_neo4j_response *resp, const gw_neo4j_outcome *outcome,
                             int status);

/* Sends 413 payload_too_large naming server.max_body_bytes. */
void gw_respond_body_too_large(gw_request *req);

/* Sends `body` (ownership taken: released with free()) with `status`. */
void gw_respond_body(gw_request *req, int status, char *body, size_t len, const char *content_type,
                     int no_store);

/* Sends a JSON value (reference stolen). */
void gw_respond_json(gw_request *req, int status, json_t *value, int no_store);

/* Handlers, called once the whole body is buffered. */
void gw_handle_token(gw_request *req);
void gw_handle_query(gw_request *req);
void gw_handle_health(gw_request *req);
void gw_handle_ready(gw_request *req);

/* Sends `nreq` through the pool; when Neo4j responds 401 and newer
 * credentials can be had (gw_refresh_neo4j_credentials), sends it once
 * more. Adds the time spent to req->neo4j_us. */
gw_err gw_neo4j_execute_refreshing(gw_request *req, const gw_neo4j_request *nreq, gw_neo4j_response *resp,
                                   gw_error_detail *detail);

/* Applies named queries and the plan-based policy to a parsed query.
 * Returns 0 to go on, or -1 after a response was queued. */
int gw_enforce_policy(gw_request *req, gw_query_request *qreq, const char *content_type);

/* Verifies the bearer token of `req` before its body is read. Returns 0
 * when authenticated, or -1 after an error response was queued. */
int gw_authenticate(gw_request *req);

/* Returns the value of header `name` (case-insensitive), or NULL. */
const char *gw_header(gw_request *req, const char *name);

/* Returns how many times header `name` occurs. */
int gw_header_count(gw_request *req, const char *name);

#endif
