/* handler_query.c - POST /query and POST /db/{database}/query/v2. */
#include "gw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "gw_log.h"
#include "gw_neo4j_result.h"
#include "gw_query_request.h"

#define MEDIA_JSON "application/json"
#define MEDIA_TYPED "application/vnd.neo4j.query"

/* Returns MEDIA_JSON or MEDIA_TYPED when `value` names one of them
 * (parameters such as charset are allowed), else NULL. */
static const char *match_media(const char *value)
{
    static const char *const known[] = {MEDIA_JSON, MEDIA_TYPED};

    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(known[i]);

        if (strncasecmp(value, known[i], n) == 0 && (value[n] == '\0' || value[n] == ';' || value[n] == ' '))
            return known[i];
    }
    return NULL;
}

/* Picks the response media type from Accept: the first of our two types
 * that is listed, or JSON for a missing header and wildcards. */
static const char *choose_accept(const char *accept)
{
    const char *p = accept;

    if (!accept || accept[0] == '\0')
        return MEDIA_JSON;
    while (*p) {
        const char *media;

        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if ((media = match_media(p)) != NULL)
            return media;
        if (strncmp(p, "*/*", 3) == 0 || strncasecmp(p, "application/*", 13) == 0)
            return MEDIA_JSON;
        p = strchr(p, ',');
        if (!p)
            break;
    }
    return NULL;
}

static int make_tag(char *out, size_t size)
{
    unsigned char raw[12];

    if (size < 2 * sizeof raw + 4 || RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    memcpy(out, "gw-", 3);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 3 + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

gw_err gw_neo4j_execute_refreshing(gw_request *req, const gw_neo4j_request *nreq, gw_neo4j_response *resp,
                                   gw_error_detail *detail)
{
    gw_err rc = gw_neo4j_execute(req->server->pool, nreq, resp, detail);

    req->neo4j_us += resp->elapsed_us;
    if (rc == GW_OK && resp->status == 401 &&
        gw_refresh_neo4j_credentials(req->server, resp->credentials_generation)) {
        /* Neo4j refused before running anything, so sending the request
         * once more is safe, writes included. */
        gw_log_event(GW_LOG_INFO, "retrying with refreshed Neo4j credentials",
                     json_pack("{s:s}", "request_id", req->request_id));
        gw_neo4j_response_clear(resp);
        rc = gw_neo4j_execute(req->server->pool, nreq, resp, detail);
        req->neo4j_us += resp->elapsed_us;
    }
    return rc;
}

void gw_handle_query(gw_request *req)
{
    const gw_runtime *rt = req->runtime;
    int passthrough = req->route.id == GW_ROUTE_DB_QUERY;
    const char *content_type = gw_header(req, "Content-Type");
    const char *request_media, *response_media;
    gw_query_request qreq = {0};
    gw_query_limits limits;
    gw_neo4j_request nreq = {0};
    gw_neo4j_response resp = {0};
    gw_neo4j_outcome outcome;
    gw_error_detail detail;
    gw_mode mode;
    char *neo4j_body = NULL;
    size_t neo4j_body_len = 0;
    char tag[40];
    gw_err rc;

    request_media = content_type ? match_media(content_type) : NULL;
    if (!request_media) {
        gw_respond_error(req, GW_ERR_UNSUPPORTED_MEDIA_TYPE,
                         "send the body as application/json (or application/vnd.neo4j.query)");
        return;
    }
    response_media = choose_accept(gw_header(req, "Accept"));
    if (!response_media) {
        gw_respond_error(req, GW_ERR_NOT_ACCEPTABLE,
                         "this endpoint answers application/json or application/vnd.neo4j.query");
        return;
    }

    limits.max_statement_bytes = rt->config->max_statement_bytes;
    limits.max_parameter_depth = rt->config->max_parameter_depth;
    limits.max_bookmarks = rt->config->max_bookmarks;
    rc = gw_query_request_parse(req->body ? req->body : "", req->body_len, passthrough ? req->route.database : NULL,
                                rt->config->neo4j_database, &limits, &qreq, &detail);
    if (rc != GW_OK) {
        gw_respond_error(req, rc, detail.message);
        return;
    }
    snprintf(req->database, sizeof req->database, "%s", qreq.database);

    if (!gw_claims_allow_database(&req->claims, qreq.database)) {
        gw_respond_error(req, GW_ERR_INSUFFICIENT_SCOPE, "the access token does not allow this database");
        goto out;
    }
    if (qreq.requested_mode == GW_MODE_WRITE && req->claims.mode != GW_MODE_WRITE) {
        gw_respond_error(req, GW_ERR_INSUFFICIENT_SCOPE, "the access token allows reads only");
        goto out;
    }
    if (gw_enforce_policy(req, &qreq, request_media) != 0)
        goto out;

    /* Neo4j enforces read-only itself when it gets accessMode Read; the
     * gateway never guesses from the statement text. */
    mode = qreq.requested_mode;
    req->mode = gw_mode_name(mode);

    /* A fresh random tag, not the client's X-Request-Id, marks the query in
     * Neo4j, so no client can name another client's query for termination. */
    if (make_tag(tag, sizeof tag) != 0) {
        gw_respond_error(req, GW_ERR_INTERNAL, NULL);
        goto out;
    }
    neo4j_body = gw_query_request_neo4j_body(&qreq, mode, tag, strcmp(request_media, MEDIA_TYPED) == 0,
                                             &neo4j_body_len);
    if (!neo4j_body) {
        gw_respond_error(req, GW_ERR_NOMEM, NULL);
        goto out;
    }
    nreq.database = qreq.database;
    nreq.body = neo4j_body;
    nreq.body_len = neo4j_body_len;
    nreq.mode = mode;
    nreq.content_type = request_media;
    nreq.accept = response_media;
    nreq.request_id = tag;

    rc = gw_neo4j_execute_refreshing(req, &nreq, &resp, &detail);
    if (rc != GW_OK) {
        gw_log_event(GW_LOG_WARN, "neo4j request failed",
                     json_pack("{s:s, s:s, s:s, s:s}", "request_id", req->request_id, "code", gw_err_code(rc),
                               "db", req->database, "detail", detail.message));
        gw_respond_error(req, rc, detail.message);
        goto out;
    }

    gw_neo4j_inspect(resp.status, resp.body, resp.len, &outcome);
    if (outcome.success) {
        /* Neo4j's body goes out unchanged, without a copy. */
        gw_respond_body(req, passthrough ? outcome.passthrough_status : 200, resp.body, resp.len,
                        resp.content_type, 0);
        resp.body = NULL;
    } else if (outcome.errors_length > 0 && outcome.err == GW_OK) {
        gw_respond_neo4j_errors(req, &resp, &outcome, passthrough ? outcome.passthrough_status : outcome.status);
    } else {
        gw_log_event(GW_LOG_ERROR, "neo4j response unusable",
                     json_pack("{s:s, s:s, s:i, s:s}", "request_id", req->request_id, "code",
                               gw_err_code(outcome.err), "neo4j_status", (int)resp.status, "neo4j_code", outcome.code));
        gw_respond_error(req, outcome.err, NULL);
    }

out:
    gw_neo4j_response_clear(&resp);
    free(neo4j_body);
    gw_query_request_clear(&qreq);
}
