/* auth.c - bearer token middleware, run before any body byte is read. */
#include "gw_http.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "gw_jwt.h"
#include "gw_log.h"

typedef struct header_search {
    const char *name;
    int count;
} header_search;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    header_search *search = cls;

    (void)kind;
    (void)value;
    if (strcasecmp(key, search->name) == 0)
        search->count++;
    return MHD_YES;
}

int gw_header_count(gw_request *req, const char *name)
{
    header_search search = {name, 0};

    MHD_get_connection_values(req->connection, MHD_HEADER_KIND, count_header, &search);
    return search.count;
}

const char *gw_header(gw_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

static void reject(gw_request *req, gw_token_err why)
{
    gw_log_event(GW_LOG_INFO, "token rejected",
                 json_pack("{s:s, s:s, s:s}", "request_id", req->request_id, "reason", gw_token_err_name(why),
                           "route", req->route.name));
    gw_respond_error(req, GW_ERR_INVALID_TOKEN, gw_token_strerror(why));
}

int gw_authenticate(gw_request *req)
{
    const char *header;
    const char *token;
    size_t len;
    gw_token_err rc;

    /* Two Authorization headers would let a proxy and the gateway read
     * different tokens; refuse instead of picking one. */
    if (gw_header_count(req, "Authorization") > 1) {
        gw_respond_error(req, GW_ERR_INVALID_REQUEST, "send exactly one Authorization header");
        return -1;
    }
    header = gw_header(req, "Authorization");
    if (!header) {
        reject(req, GW_TOKEN_MISSING);
        return -1;
    }
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\0')) {
        reject(req, GW_TOKEN_MISSING);
        return -1;
    }
    token = header + 6;
    while (*token == ' ')
        token++;
    len = strlen(token);
    while (len > 0 && token[len - 1] == ' ')
        len--;
    if (len == 0) {
        reject(req, GW_TOKEN_MISSING);
        return -1;
    }
    if (memchr(token, ' ', len)) {
        reject(req, GW_TOKEN_MALFORMED);
        return -1;
    }

    rc = gw_jwt_verify(&req->runtime->verifier, token, len, (long long)time(NULL), &req->claims);
    if (rc != GW_TOKEN_OK) {
        reject(req, rc);
        return -1;
    }
    req->authenticated = 1;
    memcpy(req->client_id, req->claims.sub, sizeof req->client_id);
    req->mode = gw_mode_name(req->claims.mode);
    return 0;
}
