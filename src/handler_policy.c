/*
 * handler_policy.c - the query policy step of the query routes: named
 * queries, and the plan-based check of what a statement may do.
 */
#include "gw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_log.h"
#include "gw_neo4j_result.h"
#include "gw_policy.h"

/* Plans the statement with EXPLAIN (which executes nothing) on the same
 * database with the same parameters, and reads the plan's features.
 * Returns 0, or -1 after a response was queued. */
static int explain(gw_request *req, const gw_query_request *qreq, const char *content_type,
                   gw_plan_features *features)
{
    size_t statement_len = 0;
    const char *statement = gw_query_request_statement(qreq, &statement_len);
    json_t *body = json_pack("{s:s+, s:s}", "statement", "EXPLAIN ", statement, "accessMode", "Read");
    json_t *parameters = json_object_get(qreq->body, "parameters");
    gw_neo4j_request nreq = {0};
    gw_neo4j_response resp = {0};
    gw_neo4j_outcome outcome;
    gw_error_detail detail;
    json_t *answer = NULL;
    char *text = NULL;
    gw_err rc;
    int result = -1;

    if (body && parameters)
        json_object_set(body, "parameters", parameters);
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!text) {
        gw_respond_error(req, GW_ERR_NOMEM, NULL);
        goto out;
    }
    nreq.database = qreq->database;
    nreq.body = text;
    nreq.body_len = strlen(text);
    nreq.mode = GW_MODE_READ;
    nreq.content_type = content_type;

    rc = gw_neo4j_execute_refreshing(req, &nreq, &resp, &detail);
    if (rc != GW_OK) {
        gw_respond_error(req, rc, detail.message);
        goto out;
    }
    gw_neo4j_inspect(resp.status, resp.body, resp.len, &outcome);
    if (!outcome.success) {
        /* A statement Neo4j cannot plan fails the same way when run, so
         * the client gets Neo4j's own error (syntax, unknown function...). */
        if (outcome.errors_length > 0 && outcome.err == GW_OK) {
            gw_respond_neo4j_errors(req, &resp, &outcome,
                                    req->route.id == GW_ROUTE_DB_QUERY ? outcome.passthrough_status : outcome.status);
        } else {
            gw_respond_error(req, outcome.err ? outcome.err : GW_ERR_NEO4J_BAD_RESPONSE, NULL);
        }
        goto out;
    }
    answer = json_loadb(resp.body, resp.len, 0, NULL);
    rc = gw_plan_features_read(json_object_get(answer, "queryPlan"), qreq->database, features);
    if (rc != GW_OK) {
        gw_log_event(GW_LOG_ERROR, "query plan unreadable",
                     json_pack("{s:s, s:s}", "request_id", req->request_id, "code", gw_err_code(rc)));
        gw_respond_error(req, rc, "Neo4j's query plan could not be read, so the statement was not run");
        goto out;
    }
    result = 0;

out:
    json_decref(answer);
    json_decref(body);
    free(text);
    gw_neo4j_response_clear(&resp);
    return result;
}

int gw_enforce_policy(gw_request *req, gw_query_request *qreq, const char *content_type)
{
    const gw_config *config = req->runtime->config;
    const gw_client_config *client = gw_config_find_client(config, req->claims.sub);
    gw_policy_rules rules;
    gw_plan_features features;
    gw_error_detail detail;
    const char *statement;
    size_t statement_len = 0;
    int cached;
    gw_err rc;

    if (qreq->query_name[0]) {
        const char *named = client ? gw_client_named_query(client, qreq->query_name) : NULL;

        if (!named) {
            gw_respond_error(req, GW_ERR_INVALID_REQUEST, "no named query of that name is configured for this client");
            return -1;
        }
        if (gw_query_request_set_statement(qreq, named) != GW_OK) {
            gw_respond_error(req, GW_ERR_NOMEM, NULL);
            return -1;
        }
        /* Named queries come from the configuration: they are trusted. */
        return 0;
    }
    if (client && client->named_only) {
        gw_respond_error(req, GW_ERR_NAMED_QUERY, "send {\"queryName\": ..., \"parameters\": ...}; this client may "
                                                  "run only the named queries in its configuration");
        return -1;
    }

    rules.allow_load_csv = client && client->allow_load_csv >= 0 ? client->allow_load_csv : config->allow_load_csv;
    rules.allow_admin = client ? client->admin : 0;
    rules.deny_procedures = (const char *const *)(client && client->deny_procedures ? client->deny_procedures
                                                                                     : config->deny_procedures);
    rules.n_deny_procedures = client && client->deny_procedures ? client->n_deny_procedures
                                                                 : config->n_deny_procedures;
    if (gw_policy_allows_all(&rules))
        return 0;

    statement = gw_query_request_statement(qreq, &statement_len);
    cached = gw_policy_cache_get(req->server->policy_cache, qreq->database, statement, statement_len, &features);
    if (cached != 1) {
        if (explain(req, qreq, content_type, &features) != 0)
            return -1;
        gw_policy_cache_put(req->server->policy_cache, qreq->database, statement, statement_len, &features);
    }
    rc = gw_policy_check(&features, &rules, &detail);
    gw_plan_features_clear(&features);
    if (rc != GW_OK) {
        gw_log_event(GW_LOG_INFO, "statement denied by policy",
                     json_pack("{s:s, s:s, s:s, s:b}", "request_id", req->request_id, "client", req->client_id, "db",
                               qreq->database, "cached", cached == 1));
        gw_respond_error(req, rc, detail.message);
        return -1;
    }
    return 0;
}
