/* handler_health.c - GET /health and GET /ready. */
#include "gw_http.h"

#include <string.h>

#include "gw_log.h"
#include "gw_neo4j_result.h"

void gw_handle_health(gw_request *req)
{
    /* Liveness only: no I/O, so a slow Neo4j never gets the process killed. */
    gw_respond_json(req, 200, json_pack("{s:s}", "status", "ok"), 1);
}

void gw_handle_ready(gw_request *req)
{
    static const char probe[] = "{\"statement\":\"RETURN 1 AS ready\",\"accessMode\":\"Read\"}";
    gw_neo4j_request nreq = {0};
    gw_neo4j_response resp;
    gw_neo4j_outcome outcome;
    gw_error_detail detail;
    int size = 0, free_slots = 0, status;
    gw_err rc;

    if (req->server->draining) {
        gw_respond_error(req, GW_ERR_SHUTTING_DOWN, NULL);
        return;
    }
    nreq.database = req->runtime->config->neo4j_database;
    nreq.body = probe;
    nreq.body_len = sizeof probe - 1;
    nreq.mode = GW_MODE_READ;

    rc = gw_neo4j_execute(req->server->pool, &nreq, &resp, &detail);
    req->neo4j_us = resp.elapsed_us;
    if (rc != GW_OK) {
        gw_log_event(GW_LOG_WARN, "readiness check failed",
                     json_pack("{s:s, s:s, s:s}", "request_id", req->request_id, "code", gw_err_code(rc),
                               "detail", detail.message));
        gw_respond_error(req, rc == GW_ERR_POOL_EXHAUSTED ? rc : GW_ERR_NOT_READY,
                         rc == GW_ERR_POOL_EXHAUSTED ? NULL : "Neo4j is not reachable through the pool");
        return;
    }
    gw_neo4j_inspect(resp.status, resp.body, resp.len, &outcome);
    status = (int)resp.status;
    gw_neo4j_response_clear(&resp);
    if (!outcome.success) {
        gw_log_event(GW_LOG_WARN, "readiness check failed",
                     json_pack("{s:s, s:s, s:i}", "request_id", req->request_id, "neo4j_code", outcome.code,
                               "neo4j_status", status));
        gw_respond_error(req, outcome.err == GW_ERR_NEO4J_AUTH ? GW_ERR_NEO4J_AUTH : GW_ERR_NOT_READY,
                         outcome.err == GW_ERR_NEO4J_AUTH ? NULL : "Neo4j answered the readiness probe with an error");
        return;
    }
    gw_neo4j_pool_stats(req->server->pool, &size, &free_slots);
    gw_respond_json(req, 200,
                    json_pack("{s:s, s:{s:i, s:i}}", "status", "ready", "pool", "size", size, "free", free_slots), 1);
}
