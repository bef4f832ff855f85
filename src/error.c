/* error.c - descriptions, client codes and HTTP statuses of gw_err. */
#include "gw_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *gw_strerror(gw_err err)
{
    switch (err) {
    case GW_OK: return "no error";
    case GW_ERR_NOMEM: return "out of memory";
    case GW_ERR_CONFIG: return "invalid configuration";
    case GW_ERR_SECRET: return "a secret could not be resolved";
    case GW_ERR_IO: return "input/output error";
    case GW_ERR_INVALID_REQUEST: return "the request is malformed";
    case GW_ERR_UNSUPPORTED_GRANT_TYPE: return "the grant type is not supported";
    case GW_ERR_INVALID_CLIENT: return "client authentication failed";
    case GW_ERR_INVALID_TOKEN: return "the access token is missing, malformed, expired or invalid";
    case GW_ERR_INSUFFICIENT_SCOPE: return "the access token does not allow this request";
    case GW_ERR_NOT_FOUND: return "no such route";
    case GW_ERR_METHOD_NOT_ALLOWED: return "the method is not allowed on this route";
    case GW_ERR_PAYLOAD_TOO_LARGE: return "the request body is too large";
    case GW_ERR_UNSUPPORTED_MEDIA_TYPE: return "the request content type is not supported";
    case GW_ERR_NOT_ACCEPTABLE: return "the requested response media type is not supported";
    case GW_ERR_POOL_EXHAUSTED: return "no Neo4j connection became free in time";
    case GW_ERR_NEO4J_UNAVAILABLE: return "Neo4j is unreachable";
    case GW_ERR_NEO4J_TIMEOUT: return "Neo4j did not answer within the time budget";
    case GW_ERR_NEO4J_BAD_RESPONSE: return "Neo4j sent a response the gateway cannot use";
    case GW_ERR_NEO4J_AUTH: return "Neo4j rejected the gateway's credentials";
    case GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN: return "the connection to Neo4j failed after a write was sent, so its outcome is unknown";
    case GW_ERR_RESULT_TOO_LARGE: return "the result is larger than the configured limit";
    case GW_ERR_NOT_READY: return "the gateway is not ready";
    case GW_ERR_SHUTTING_DOWN: return "the gateway is shutting down";
    case GW_ERR_INTERNAL: return "internal error";
    case GW_ERR_STATEMENT_TOO_LONG: return "the statement is longer than the configured limit";
    case GW_ERR_PARAMETERS_TOO_DEEP: return "the parameters are nested deeper than the configured limit";
    case GW_ERR_TOO_MANY_BOOKMARKS: return "the request has more bookmarks than the configured limit";
    case GW_ERR_RATE_LIMITED: return "too many failed attempts; wait before trying again";
    case GW_ERR_POLICY_DENIED: return "the statement uses a feature this client may not use";
    case GW_ERR_NAMED_QUERY: return "this client may run only named queries from the configuration";
    }
    return "unknown error";
}

const char *gw_err_code(gw_err err)
{
    switch (err) {
    case GW_OK: return "ok";
    case GW_ERR_NOMEM: return "internal_error";
    case GW_ERR_CONFIG: return "internal_error";
    case GW_ERR_SECRET: return "internal_error";
    case GW_ERR_IO: return "internal_error";
    case GW_ERR_INVALID_REQUEST: return "invalid_request";
    case GW_ERR_UNSUPPORTED_GRANT_TYPE: return "unsupported_grant_type";
    case GW_ERR_INVALID_CLIENT: return "invalid_client";
    case GW_ERR_INVALID_TOKEN: return "invalid_token";
    case GW_ERR_INSUFFICIENT_SCOPE: return "insufficient_scope";
    case GW_ERR_NOT_FOUND: return "not_found";
    case GW_ERR_METHOD_NOT_ALLOWED: return "method_not_allowed";
    case GW_ERR_PAYLOAD_TOO_LARGE: return "payload_too_large";
    case GW_ERR_UNSUPPORTED_MEDIA_TYPE: return "unsupported_media_type";
    case GW_ERR_NOT_ACCEPTABLE: return "not_acceptable";
    case GW_ERR_POOL_EXHAUSTED: return "pool_exhausted";
    case GW_ERR_NEO4J_UNAVAILABLE: return "neo4j_unavailable";
    case GW_ERR_NEO4J_TIMEOUT: return "neo4j_timeout";
    case GW_ERR_NEO4J_BAD_RESPONSE: return "neo4j_bad_response";
    case GW_ERR_NEO4J_AUTH: return "neo4j_auth_failed";
    case GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN: return "neo4j_write_outcome_unknown";
    case GW_ERR_RESULT_TOO_LARGE: return "result_too_large";
    case GW_ERR_NOT_READY: return "not_ready";
    case GW_ERR_SHUTTING_DOWN: return "shutting_down";
    case GW_ERR_INTERNAL: return "internal_error";
    case GW_ERR_STATEMENT_TOO_LONG: return "statement_too_long";
    case GW_ERR_PARAMETERS_TOO_DEEP: return "parameters_too_deep";
    case GW_ERR_TOO_MANY_BOOKMARKS: return "too_many_bookmarks";
    case GW_ERR_RATE_LIMITED: return "rate_limited";
    case GW_ERR_POLICY_DENIED: return "policy_denied";
    case GW_ERR_NAMED_QUERY: return "named_query_required";
    }
    return "internal_error";
}

int gw_err_http_status(gw_err err)
{
    switch (err) {
    case GW_OK: return 200;
    case GW_ERR_NOMEM: return 500;
    case GW_ERR_CONFIG: return 500;
    case GW_ERR_SECRET: return 500;
    case GW_ERR_IO: return 500;
    case GW_ERR_INVALID_REQUEST: return 400;
    case GW_ERR_UNSUPPORTED_GRANT_TYPE: return 400;
    case GW_ERR_INVALID_CLIENT: return 401;
    case GW_ERR_INVALID_TOKEN: return 401;
    case GW_ERR_INSUFFICIENT_SCOPE: return 403;
    case GW_ERR_NOT_FOUND: return 404;
    case GW_ERR_METHOD_NOT_ALLOWED: return 405;
    case GW_ERR_PAYLOAD_TOO_LARGE: return 413;
    case GW_ERR_UNSUPPORTED_MEDIA_TYPE: return 415;
    case GW_ERR_NOT_ACCEPTABLE: return 406;
    case GW_ERR_POOL_EXHAUSTED: return 503;
    case GW_ERR_NEO4J_UNAVAILABLE: return 503;
    case GW_ERR_NEO4J_TIMEOUT: return 504;
    case GW_ERR_NEO4J_BAD_RESPONSE: return 502;
    case GW_ERR_NEO4J_AUTH: return 502;
    case GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN: return 502;
    case GW_ERR_RESULT_TOO_LARGE: return 413;
    case GW_ERR_NOT_READY: return 503;
    case GW_ERR_SHUTTING_DOWN: return 503;
    case GW_ERR_INTERNAL: return 500;
    case GW_ERR_STATEMENT_TOO_LONG: return 413;
    case GW_ERR_PARAMETERS_TOO_DEEP: return 400;
    case GW_ERR_TOO_MANY_BOOKMARKS: return 400;
    case GW_ERR_RATE_LIMITED: return 429;
    case GW_ERR_POLICY_DENIED: return 403;
    case GW_ERR_NAMED_QUERY: return 403;
    }
    return 500;
}

static void detail_vset(gw_error_detail *detail, const char *fmt, va_list ap)
{
    vsnprintf(detail->message, sizeof detail->message, fmt, ap);
}

gw_err gw_error_set(gw_error_detail *detail, gw_err err, const char *fmt, ...)
{
    if (detail) {
        va_list ap;

        memset(detail, 0, sizeof *detail);
        va_start(ap, fmt);
        detail_vset(detail, fmt, ap);
        va_end(ap);
    }
    return err;
}

gw_err gw_error_set_at(gw_error_detail *detail, gw_err err, const char *source,
                       int line, int column, const char *fmt, ...)
{
    if (detail) {
        va_list ap;

        memset(detail, 0, sizeof *detail);
        snprintf(detail->source, sizeof detail->source, "%s", source ? source : "");
        detail->line = line;
        detail->column = column;
        va_start(ap, fmt);
        detail_vset(detail, fmt, ap);
        va_end(ap);
    }
    return err;
}
