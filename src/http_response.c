/* http_response.c - building and queuing responses (see gw_http.h). */
#include "gw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_log.h"
#include "gw_neo4j_result.h"

static void add_common_headers(gw_request *req, struct MHD_Response *response, const char *content_type,
                               int no_store)
{
    MHD_add_response_header(response, "Content-Type", content_type);
    MHD_add_response_header(response, "X-Request-Id", req->request_id);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    if (no_store) {
        MHD_add_response_header(response, "Cache-Control", "no-store");
        MHD_add_response_header(response, "Pragma", "no-cache");
    }
}

static void queue(gw_request *req, int status, struct MHD_Response *response, size_t len)
{
    if (!response) {
        req->status = 500;
        req->responded = 1;
        return;
    }
    req->status = status;
    req->response_bytes = len;
    req->responded = 1;
    MHD_queue_response(req->connection, (unsigned int)status, response);
    MHD_destroy_response(response);
}

void gw_respond_body(gw_request *req, int status, char *body, size_t len, const char *content_type,
                     int no_store)
{
    struct MHD_Response *response;

    /* The body moves to MHD without a copy; MHD frees it after sending. */
    response = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!response) {
        free(body);
        queue(req, 500, NULL, 0);
        return;
    }
    add_common_headers(req, response, content_type, no_store);
    queue(req, status, response, len);
}

void gw_respond_json(gw_request *req, int status, json_t *value, int no_store)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;

    json_decref(value);
    if (!text) {
        static const char fallback[] = "{\"errors\":[{\"code\":\"internal_error\",\"message\":\"out of memory\"}]}";
        struct MHD_Response *response =
            MHD_create_response_from_buffer(sizeof fallback - 1, (void *)fallback, MHD_RESPMEM_PERSISTENT);

        snprintf(req->code, sizeof req->code, "internal_error");
        if (response)
            add_common_headers(req, response, "application/json", 1);
        queue(req, 500, response, sizeof fallback - 1);
        return;
    }
    gw_respond_body(req, status, text, strlen(text), "application/json", no_store);
}

static void add_error_headers(gw_request *req, struct MHD_Response *response, gw_err err, const char *message)
{
    char value[512];

    switch (err) {
    case GW_ERR_INVALID_TOKEN: {
        char description[256];
        size_t n = 0;

        /* RFC 6750 3: the challenge carries the error and a description.
         * Quotes and backslashes would end the quoted string early. */
        for (const char *p = message; *p && n + 1 < sizeof description; p++)
            description[n++] = (*p == '"' || *p == '\\') ? '\'' : *p;
        description[n] = '\0';
        snprintf(value, sizeof value, "Bearer realm=\"cypher-gateway\", error=\"invalid_token\", "
                 "error_description=\"%s\"", description);
        MHD_add_response_header(response, "WWW-Authenticate", value);
        break;
    }
    case GW_ERR_INSUFFICIENT_SCOPE:
        MHD_add_response_header(response, "WWW-Authenticate",
                                "Bearer realm=\"cypher-gateway\", error=\"insufficient_scope\"");
        break;
    case GW_ERR_INVALID_CLIENT:
        MHD_add_response_header(response, "WWW-Authenticate", "Basic realm=\"cypher-gateway\"");
        break;
    case GW_ERR_POOL_EXHAUSTED:
    case GW_ERR_NEO4J_UNAVAILABLE:
    case GW_ERR_NOT_READY:
    case GW_ERR_SHUTTING_DOWN:
        MHD_add_response_header(response, "Retry-After", "1");
        break;
    case GW_ERR_RATE_LIMITED:
        MHD_add_response_header(response, "Retry-After", req->retry_after ? req->retry_after : "60");
        break;
    case GW_ERR_METHOD_NOT_ALLOWED:
        if (req->route.allow)
            MHD_add_response_header(response, "Allow", req->route.allow);
        break;
    default:
        break;
    }
    if (req->server && req->server->draining)
        MHD_add_response_header(response, "Connection", "close");
}

static void respond_error_value(gw_request *req, gw_err err, json_t *value, int no_store, const char *message)
{
    char *text = json_dumps(value, JSON_COMPACT);
    struct MHD_Response *response;
    int status = gw_err_http_status(err);

    json_decref(value);
    snprintf(req->code, sizeof req->code, "%s", gw_err_code(err));
    if (!text) {
        gw_respond_json(req, 500, NULL, 1);
        return;
    }
    response = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
    if (!response) {
        free(text);
        queue(req, 500, NULL, 0);
        return;
    }
    add_common_headers(req, response, "application/json", no_store);
    add_error_headers(req, response, err, message);
    queue(req, status, response, strlen(text));
}

void gw_respond_error(gw_request *req, gw_err err, const char *message)
{
    const char *text = message ? message : gw_strerror(err);

    respond_error_value(req, err,
                        json_pack("{s:[{s:s, s:s}]}", "errors", "code", gw_err_code(err), "message", text), 0, text);
}

void gw_respond_oauth_error(gw_request *req, gw_err err, const char *message)
{
    const char *text = message ? message : gw_strerror(err);

    respond_error_value(req, err,
                        json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "error", gw_err_code(err), "error_description", text,
                                  "errors", "code", gw_err_code(err), "message", text),
                        1, text);
}

void gw_respond_neo4j_errors(gw_request *req, const gw_neo4j_response *resp, const gw_neo4j_outcome *outcome,
                             int status)
{
    static const char head[] = "{\"errors\":";
    size_t len = sizeof head - 1 + outcome->errors_length + 1;
    char *body = malloc(len + 1);

    snprintf(req->code, sizeof req->code, "%s", outcome->code);
    if (!body) {
        gw_respond_error(req, GW_ERR_NOMEM, NULL);
        return;
    }
    memcpy(body, head, sizeof head - 1);
    memcpy(body + sizeof head - 1, resp->body + outcome->errors_offset, outcome->errors_length);
    body[len - 1] = '}';
    body[len] = '\0';
    gw_respond_body(req, status, body, len, "application/json", 0);
}

void gw_respond_body_too_large(gw_request *req)
{
    char message[160];

    snprintf(message, sizeof message, "the request body must be at most %zu bytes (server.max_body_bytes)",
             req->runtime->config->max_body_bytes);
    gw_respond_error(req, GW_ERR_PAYLOAD_TOO_LARGE, message);
}
