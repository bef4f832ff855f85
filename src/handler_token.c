/* handler_token.c - POST /token, the OAuth 2.0 client-credentials grant. */
#include "gw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gw_jwt.h"
#include "gw_log.h"
#include "gw_token_request.h"

static int is_form(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    size_t n = sizeof form - 1;

    return content_type && strncasecmp(content_type, form, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

void gw_handle_token(gw_request *req)
{
    const gw_runtime *rt = req->runtime;
    gw_token_request treq;
    gw_error_detail detail;
    const gw_client *client;
    gw_jwt_grant grant;
    char *token = NULL;
    char client_key[GW_CLIENT_ID_MAX + 16];
    char address_key[80];
    char retry_after[24];
    long long now;
    long wait;
    long ttl;
    int valid;
    gw_err rc;

    if (gw_header_count(req, "Authorization") > 1) {
        gw_respond_oauth_error(req, GW_ERR_INVALID_REQUEST, "send exactly one Authorization header");
        return;
    }
    if (!is_form(gw_header(req, "Content-Type"))) {
        gw_respond_oauth_error(req, GW_ERR_INVALID_REQUEST,
                               "send the body as application/x-www-form-urlencoded, e.g. "
                               "grant_type=client_credentials");
        return;
    }
    rc = gw_token_request_parse(gw_header(req, "Authorization"), req->body ? req->body : "", req->body_len,
                                &treq, &detail);
    if (rc != GW_OK) {
        gw_respond_oauth_error(req, rc, detail.message);
        return;
    }
    memcpy(req->client_id, treq.client_id, sizeof req->client_id);
    snprintf(client_key, sizeof client_key, "client:%s", treq.client_id);
    snprintf(address_key, sizeof address_key, "address:%s", req->client_address);

    /* Guessing is slowed per client id and per source address. Unknown ids
     * are counted like known ones, so the response reveals nothing. */
    now = (long long)time(NULL);
    wait = gw_rate_limiter_check(req->server->token_failures, client_key, rt->config->token_failures_per_client, now);
    if (wait == 0)
        wait = gw_rate_limiter_check(req->server->token_failures, address_key,
                                     rt->config->token_failures_per_address, now);
    if (wait > 0) {
        gw_token_request_clear(&treq);
        gw_log_event(GW_LOG_WARN, "token attempts rate limited",
                     json_pack("{s:s, s:s, s:s, s:I}", "request_id", req->request_id, "client", req->client_id,
                               "address", req->client_address, "retry_after_s", (json_int_t)wait));
        snprintf(retry_after, sizeof retry_after, "%ld", wait);
        req->retry_after = retry_after;
        gw_respond_oauth_error(req, GW_ERR_RATE_LIMITED, NULL);
        return;
    }

    /* An unknown id is checked against a dummy hash of the same cost, so
     * timing does not reveal which client ids exist. */
    client = gw_runtime_find_client(rt, treq.client_id);
    valid = gw_secret_hash_verify(client ? &client->hash : &rt->dummy_hash, treq.client_secret,
                                  treq.client_secret_len);
    gw_token_request_clear(&treq);
    if (!client || !valid) {
        gw_rate_limiter_fail(req->server->token_failures, client_key, now);
        gw_rate_limiter_fail(req->server->token_failures, address_key, now);
        gw_log_event(GW_LOG_INFO, "client authentication failed",
                     json_pack("{s:s, s:s}", "request_id", req->request_id, "client", req->client_id));
        /* Same message for an unknown id and a wrong secret. */
        gw_respond_oauth_error(req, GW_ERR_INVALID_CLIENT, "client authentication failed");
        return;
    }

    gw_rate_limiter_reset(req->server->token_failures, client_key);
    ttl = client->config->token_ttl_s ? client->config->token_ttl_s : rt->config->jwt_ttl_s;
    grant.subject = client->config->id;
    grant.databases = (const char *const *)client->config->databases;
    grant.n_databases = client->config->n_databases;
    grant.mode = client->config->mode;
    grant.now = (long long)time(NULL);
    grant.ttl_s = ttl;
    req->mode = gw_mode_name(grant.mode);

    token = gw_jwt_issue((const unsigned char *)rt->signing_key.data, rt->signing_key.len, rt->config->jwt_issuer,
                         rt->config->jwt_audience, &grant);
    if (!token) {
        gw_log_msg(GW_LOG_ERROR, "token issue failed", "libjwt could not sign a token for client %s",
                   client->config->id);
        gw_respond_oauth_error(req, GW_ERR_INTERNAL, NULL);
        return;
    }
    gw_respond_json(req, 200,
                    json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer", "expires_in",
                              (json_int_t)ttl),
                    1);
    free(token);
}
