/*
 * http_server.c - the libmicrohttpd adapter and the gateway lifecycle.
 *
 * Threading: MHD runs a fixed pool of `server.threads` worker threads, each
 * with its own epoll loop. A handler runs on its worker thread and blocks
 * until Neo4j responds, so at most `threads` queries run at once; the Neo4j
 * pool is sized to match (docs/design.md explains why).
 */
#include "gw_gateway.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "gw_http.h"
#include "gw_log.h"

struct gw_gateway {
    struct MHD_Daemon *daemon;
    gw_server_state state;
    pthread_mutex_t runtime_lock;
    gw_runtime *runtime;
    atomic_long in_flight;
};

static long elapsed_us(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - since->tv_sec) * 1000000L + (now.tv_nsec - since->tv_nsec) / 1000);
}

/* Returns 64 random bits from a per-thread xorshift generator seeded once
 * from OpenSSL. Request ids need uniqueness, not secrecy, and RAND_bytes
 * per request cost more than the rest of a cheap request's bookkeeping. */
static uint64_t next_random(void)
{
    static _Thread_local uint64_t state;

    if (state == 0) {
        if (RAND_bytes((unsigned char *)&state, sizeof state) != 1 || state == 0)
            state = (uint64_t)(uintptr_t)&state ^ (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ULL;
    }
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Uses the caller's X-Request-Id when it is short and plain, so traces join
 * up across proxies; otherwise makes a random one. */
static void assign_request_id(gw_request *req)
{
    const char *incoming = gw_header(req, "X-Request-Id");

    if (incoming) {
        size_t len = strlen(incoming);
        int plain = len > 0 && len <= GW_REQUEST_ID_MAX;

        for (size_t i = 0; plain && i < len; i++) {
            char c = incoming[i];

            plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
        }
        if (plain) {
            memcpy(req->request_id, incoming, len + 1);
            return;
        }
    }
    snprintf(req->request_id, sizeof req->request_id, "%016llx", (unsigned long long)next_random());
}

static void record_client_address(gw_request *req)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *addr = info ? info->client_addr : NULL;

    if (!addr)
        return;
    if (addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, req->client_address,
                  sizeof req->client_address);
    else if (addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, req->client_address,
                  sizeof req->client_address);
}

static void log_access(gw_request *req)
{
    json_t *fields = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "request_id", req->request_id, "method",
                               req->method ? req->method : "", "route", req->route.name ? req->route.name : "",
                               "status", req->status, "latency_us", (json_int_t)elapsed_us(&req->started),
                               "bytes", (json_int_t)req->response_bytes);

    if (!fields)
        return;
    if (req->client_id[0])
        json_object_set_new(fields, "client", json_string(req->client_id));
    if (req->database[0])
        json_object_set_new(fields, "db", json_string(req->database));
    if (req->mode)
        json_object_set_new(fields, "mode", json_string(req->mode));
    if (req->neo4j_us)
        json_object_set_new(fields, "neo4j_us", json_integer(req->neo4j_us));
    if (req->code[0])
        json_object_set_new(fields, "code", json_string(req->code));
    gw_log_event(GW_LOG_INFO, "request", fields);
}

static void request_free(gw_request *req)
{
    gw_runtime_unref(req->runtime);
    free(req->body);
    memset(&req->claims, 0, sizeof req->claims);
    free(req);
}

static int needs_token(gw_route_id id)
{
    return id == GW_ROUTE_QUERY || id == GW_ROUTE_DB_QUERY;
}

/* Runs on the first call for a request, when only headers are known.
 * Returns 0 to go on reading the body, or -1 after queuing a response. */
static int on_headers(gw_gateway *gw, gw_request *req, const char *method, const char *url)
{
    const char *length;
    gw_err rc;

    rc = gw_route_match(method, url, &req->route);
    if (rc != GW_OK) {
        if (rc == GW_ERR_INVALID_REQUEST)
            gw_respond_error(req, rc, "the database name in the path is invalid; use 1..63 letters, digits, "
                                      "'.', '-' or '_'");
        else
            gw_respond_error(req, rc, NULL);
        return -1;
    }
    if (gw->state.draining && req->route.id != GW_ROUTE_HEALTH) {
        gw_respond_error(req, GW_ERR_SHUTTING_DOWN, NULL);
        return -1;
    }
    /* The token is checked before any body byte is read, so anonymous
     * clients cannot make the gateway buffer or parse anything. */
    if (needs_token(req->route.id) && gw_authenticate(req) != 0)
        return -1;

    /* RFC 9112 6.3: conflicting framing is an error, never a guess, because
     * a proxy in front could frame the same bytes differently. */
    if (gw_header_count(req, "Content-Length") > 1) {
        gw_respond_error(req, GW_ERR_INVALID_REQUEST, "send exactly one Content-Length header");
        return -1;
    }
    {
        const char *coding = gw_header(req, "Transfer-Encoding");

        if (coding && (strcasecmp(coding, "chunked") != 0 || gw_header_count(req, "Transfer-Encoding") > 1 ||
                       gw_header(req, "Content-Length"))) {
            gw_respond_error(req, GW_ERR_INVALID_REQUEST,
                             "the only supported Transfer-Encoding is chunked, without Content-Length");
            return -1;
        }
    }

    length = gw_header(req, "Content-Length");
    if (length) {
        char *end = NULL;
        unsigned long long declared = strtoull(length, &end, 10);

        if (end == length || *end != '\0' || declared > req->runtime->config->max_body_bytes) {
            gw_respond_body_too_large(req);
            return -1;
        }
    }
    return 0;
}

static int append_body(gw_request *req, const char *data, size_t size)
{
    size_t max = req->runtime->config->max_body_bytes;

    if (req->body_too_large || req->body_len + size > max) {
        req->body_too_large = 1;
        return 0;
    }
    if (req->body_len + size + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        char *grown;

        while (cap < req->body_len + size + 1)
            cap *= 2;
        grown = realloc(req->body, cap);
        if (!grown)
            return -1;
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, size);
    req->body_len += size;
    req->body[req->body_len] = '\0';
    return 0;
}

static void dispatch(gw_request *req)
{
    switch (req->route.id) {
    case GW_ROUTE_TOKEN:
        gw_handle_token(req);
        break;
    case GW_ROUTE_QUERY:
    case GW_ROUTE_DB_QUERY:
        gw_handle_query(req);
        break;
    case GW_ROUTE_HEALTH:
        gw_handle_health(req);
        break;
    case GW_ROUTE_READY:
        gw_handle_ready(req);
        break;
    case GW_ROUTE_NONE:
        gw_respond_error(req, GW_ERR_NOT_FOUND, NULL);
        break;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    gw_gateway *gw = cls;
    gw_request *req = *con_cls;

    (void)version;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &req->started);
        req->connection = connection;
        req->server = &gw->state;
        req->method = method;
        req->runtime = gw_gateway_runtime(gw);
        assign_request_id(req);
        record_client_address(req);
        *con_cls = req;
        atomic_fetch_add(&gw->in_flight, 1);
        on_headers(gw, req, method, url);
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        /* After an early response the rest of a declared body is read and
         * dropped. */
        if (req->responded) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (append_body(req, upload_data, *upload_data_size) != 0) {
            *upload_data_size = 0;
            return MHD_NO;
        }
        *upload_data_size = 0;
        /* A chunked body has no declared length, so the limit is noticed
         * only while reading it. libmicrohttpd 0.9.75 sends no response
         * before the body ends, so the connection is closed instead of
         * reading on. */
        if (req->body_too_large) {
            snprintf(req->code, sizeof req->code, "%s", gw_err_code(GW_ERR_PAYLOAD_TOO_LARGE));
            req->status = gw_err_http_status(GW_ERR_PAYLOAD_TOO_LARGE);
            req->responded = 1;
            return MHD_NO;
        }
        return MHD_YES;
    }

    if (req->responded)
        return MHD_YES;
    if (req->body_too_large) {
        gw_respond_body_too_large(req);
        return MHD_YES;
    }
    dispatch(req);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    gw_gateway *gw = cls;
    gw_request *req = *con_cls;

    (void)connection;
    if (!req)
        return;
    if (!req->responded) {
        req->status = 499; /* the client went away before a response */
        snprintf(req->code, sizeof req->code, "%s",
                 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "client_timeout" : "client_closed");
    }
    log_access(req);
    request_free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&gw->in_flight, 1);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char message[512];
    size_t len;

    (void)cls;
    vsnprintf(message, sizeof message, fmt, ap);
    len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        message[--len] = '\0';
    gw_log_event(GW_LOG_WARN, "http server", json_pack("{s:s}", "detail", message));
}

/* Decodes percent escapes in the path like libmicrohttpd does, except that
 * a path containing %00 is left undecoded: a NUL would end the C string and
 * make "/query%00/anything" look like "/query". The undecoded path matches
 * no route. */
static size_t unescape_path(void *cls, struct MHD_Connection *connection, char *s)
{
    (void)cls;
    (void)connection;
    for (const char *p = s; (p = strchr(p, '%')) != NULL; p++) {
        if (p[1] == '0' && p[2] == '0')
            return strlen(s);
    }
    return MHD_http_unescape(s);
}

static int resolve_listen_address(const char *address, int port, struct sockaddr_storage *out, socklen_t *out_len)
{
    struct addrinfo hints, *found = NULL;
    char service[16];

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(address, service, &hints, &found) != 0 || !found)
        return -1;
    memcpy(out, found->ai_addr, found->ai_addrlen);
    *out_len = found->ai_addrlen;
    freeaddrinfo(found);
    return 0;
}

gw_err gw_gateway_start(gw_runtime *runtime, gw_neo4j_pool *pool, gw_gateway **out, gw_error_detail *err)
{
    const gw_config *c = runtime->config;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    gw_gateway *gw;

    *out = NULL;
    if (resolve_listen_address(c->listen_address, c->port, &addr, &addr_len) != 0) {
        gw_runtime_unref(runtime);
        gw_neo4j_pool_destroy(pool);
        return gw_error_set(err, GW_ERR_CONFIG, "server.address '%s' is not a numeric IPv4 or IPv6 address",
                            c->listen_address);
    }
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;

    gw = calloc(1, sizeof *gw);
    if (!gw) {
        gw_runtime_unref(runtime);
        gw_neo4j_pool_destroy(pool);
        return GW_ERR_NOMEM;
    }
    gw->state.pool = pool;
    pthread_mutex_init(&gw->state.refresh_lock, NULL);
    gw->state.last_refresh = -3600;
    gw->state.token_failures = gw_rate_limiter_new(4096, c->token_failure_window_s);
    gw->state.policy_cache = gw_policy_cache_new(c->policy_cache_entries);
    gw->runtime = runtime;
    if (!gw->state.token_failures || !gw->state.policy_cache) {
        gw_rate_limiter_free(gw->state.token_failures);
        gw_policy_cache_free(gw->state.policy_cache);
        gw_runtime_unref(runtime);
        gw_neo4j_pool_destroy(pool);
        free(gw);
        return GW_ERR_NOMEM;
    }
    pthread_mutex_init(&gw->runtime_lock, NULL);

    gw->daemon = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, on_request, gw,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_path, NULL,
        /* Strict parsing rejects header lines that lenient parsing would
         * repair, such as a NUL inside a value. */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->connection_timeout_s,
        /* 16 KiB per connection (the default is 32) fits any request head
         * the gateway accepts and halves the memory of idle connections. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, gw,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_END);
    if (!gw->daemon) {
        gw_error_set(err, GW_ERR_IO, "cannot listen on %s port %d; is another process using it?",
                     c->listen_address, c->port);
        gw_runtime_unref(runtime);
        gw_neo4j_pool_destroy(pool);
        gw_rate_limiter_free(gw->state.token_failures);
        gw_policy_cache_free(gw->state.policy_cache);
        pthread_mutex_destroy(&gw->runtime_lock);
        free(gw);
        return GW_ERR_IO;
    }
    *out = gw;
    return GW_OK;
}

void gw_gateway_set_credentials_refresher(gw_gateway *gw, int (*refresh)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&gw->state.refresh_lock);
    gw->state.refresh_credentials = refresh;
    gw->state.refresh_ctx = ctx;
    pthread_mutex_unlock(&gw->state.refresh_lock);
}

int gw_refresh_neo4j_credentials(gw_server_state *server, unsigned long used_generation)
{
    struct timespec now;
    int (*refresh)(void *ctx) = NULL;
    void *ctx = NULL;
    int changed = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&server->refresh_lock);
    if (gw_neo4j_pool_credentials_generation(server->pool) != used_generation) {
        changed = 1; /* another request already brought newer credentials */
    } else if (server->refresh_credentials && now.tv_sec - server->last_refresh >= 10) {
        server->last_refresh = now.tv_sec;
        refresh = server->refresh_credentials;
        ctx = server->refresh_ctx;
    }
    /* The refresh itself runs under the lock, so a burst of 401s costs one
     * fetch and the others wait for its result. */
    if (refresh && refresh(ctx) == 0)
        changed = gw_neo4j_pool_credentials_generation(server->pool) != used_generation;
    pthread_mutex_unlock(&server->refresh_lock);
    return changed;
}

gw_runtime *gw_gateway_runtime(gw_gateway *gw)
{
    gw_runtime *rt;

    pthread_mutex_lock(&gw->runtime_lock);
    rt = gw_runtime_ref(gw->runtime);
    pthread_mutex_unlock(&gw->runtime_lock);
    return rt;
}

gw_err gw_gateway_swap_runtime(gw_gateway *gw, gw_runtime *runtime)
{
    gw_runtime *old;
    gw_err rc;

    rc = gw_neo4j_pool_set_credentials(gw->state.pool, runtime->config->neo4j_user, runtime->neo4j_password.data,
                                       runtime->neo4j_password.len);
    if (rc != GW_OK) {
        gw_runtime_unref(runtime);
        return rc;
    }
    pthread_mutex_lock(&gw->runtime_lock);
    old = gw->runtime;
    gw->runtime = runtime;
    pthread_mutex_unlock(&gw->runtime_lock);
    gw_runtime_unref(old);
    return GW_OK;
}

long gw_gateway_stop(gw_gateway *gw, int drain_s)
{
    struct timespec start;
    long left;

    if (!gw)
        return 0;
    /* Stop accepting new connections, and respond to new requests on open
     * keep-alive connections with 503 and Connection: close. */
    gw->state.draining = 1;
    {
        /* MHD hands the listening socket back; closing it makes new
         * connections fail at once instead of waiting in the backlog. */
        MHD_socket listener = MHD_quiesce_daemon(gw->daemon);

        if (listener != MHD_INVALID_SOCKET)
            close(listener);
    }

    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((left = atomic_load(&gw->in_flight)) > 0 && elapsed_us(&start) < (long)drain_s * 1000000L)
        usleep(10000);

    MHD_stop_daemon(gw->daemon);
    gw_neo4j_pool_destroy(gw->state.pool);
    gw_rate_limiter_free(gw->state.token_failures);
    gw_policy_cache_free(gw->state.policy_cache);
    pthread_mutex_destroy(&gw->state.refresh_lock);
    gw_runtime_unref(gw->runtime);
    pthread_mutex_destroy(&gw->runtime_lock);
    free(gw);
    return left;
}
