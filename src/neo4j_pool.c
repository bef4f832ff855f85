/* neo4j_pool.c - Neo4j connection pool and Query API calls (see gw_neo4j.h). */
#include "gw_neo4j.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "gw_base64.h"
#include "gw_log.h"

#define URL_MAX 2048

typedef struct slot {
    CURL *easy;
    char url[URL_MAX];
    char curl_error[CURL_ERROR_SIZE];
} slot;

struct gw_neo4j_pool {
    gw_neo4j_settings settings;
    char *base_url;
    char *ca_file;

    pthread_mutex_t lock;
    pthread_cond_t freed;
    slot *slots;
    int *free_stack; /* indices of free slots; the top was used last, so its connection is warm */
    int n_free;

    char *auth_header; /* "Authorization: Basic ...", guarded by lock, wiped on replace */
    size_t auth_header_len;
    unsigned long credentials_generation;

    /* A separate connection for terminating timed-out queries, so it works
     * even when every slot is busy. */
    pthread_mutex_t control_lock;
    slot control;
};

/* Per-request state handed to libcurl callbacks. */
typedef struct transfer {
    char *buf;
    size_t len;
    size_t cap;
    size_t max;
    int too_large;

    const char *upload; /* write requests: body fed by read_body */
    size_t upload_len;
    size_t upload_pos;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    transfer *t = userdata;
    size_t n = size * nmemb;

    if (t->len + n > t->max) {
        t->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 16384;
        char *grown;

        while (cap < t->len + n + 1)
            cap *= 2;
        grown = realloc(t->buf, cap);
        if (!grown)
            return 0;
        t->buf = grown;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return n;
}

/* Feeds a write request's body. There is deliberately no seek callback:
 * libcurl cannot rewind this body, so it can never re-send a write whose
 * bytes already left (it fails with CURLE_SEND_FAIL_REWIND instead). */
static size_t read_body(char *buffer, size_t size, size_t nitems, void *userdata)
{
    transfer *t = userdata;
    size_t room = size * nitems;
    size_t left = t->upload_len - t->upload_pos;
    size_t n = left < room ? left : room;

    memcpy(buffer, t->upload + t->upload_pos, n);
    t->upload_pos += n;
    return n;
}

static int setup_handle(gw_neo4j_pool *pool, slot *s)
{
    CURL *e = curl_easy_init();

    if (!e)
        return -1;
    s->easy = e;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->curl_error);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXCONNECTS, 1L);
    curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, pool->settings.max_idle_s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, pool->settings.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, pool->settings.request_timeout_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (pool->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, pool->ca_file);
    return 0;
}

gw_err gw_neo4j_pool_create(const gw_neo4j_settings *settings, gw_neo4j_pool **out, gw_error_detail *err)
{
    gw_neo4j_pool *pool = calloc(1, sizeof *pool);
    pthread_condattr_t attr;
    gw_err rc = GW_ERR_NOMEM;

    *out = NULL;
    if (!pool)
        return rc;
    pool->settings = *settings;
    pool->base_url = strdup(settings->url);
    pool->ca_file = settings->ca_file ? strdup(settings->ca_file) : NULL;
    pool->slots = calloc((size_t)settings->size, sizeof *pool->slots);
    pool->free_stack = calloc((size_t)settings->size, sizeof *pool->free_stack);
    if (!pool->base_url || (settings->ca_file && !pool->ca_file) || !pool->slots || !pool->free_stack) {
        free(pool->base_url);
        free(pool->ca_file);
        free(pool->slots);
        free(pool->free_stack);
        free(pool);
        return rc;
    }
    pool->settings.url = pool->base_url;
    pool->settings.ca_file = pool->ca_file;

    pthread_mutex_init(&pool->lock, NULL);
    /* Acquire deadlines use the monotonic clock so wall-clock jumps do not
     * stretch or cut the wait. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->freed, &attr);
    pthread_condattr_destroy(&attr);

    pthread_mutex_init(&pool->control_lock, NULL);
    if (setup_handle(pool, &pool->control) != 0) {
        gw_neo4j_pool_destroy(pool);
        return gw_error_set(err, GW_ERR_NOMEM, "cannot create the libcurl control handle");
    }
    curl_easy_setopt(pool->control.easy, CURLOPT_TIMEOUT_MS, 5000L);

    for (int i = 0; i < settings->size; i++) {
        if (setup_handle(pool, &pool->slots[i]) != 0) {
            gw_neo4j_pool_destroy(pool);
            return gw_error_set(err, GW_ERR_NOMEM, "cannot create libcurl handle %d of %d", i + 1, settings->size);
        }
        pool->free_stack[pool->n_free++] = settings->size - 1 - i;
    }
    *out = pool;
    return GW_OK;
}

void gw_neo4j_pool_destroy(gw_neo4j_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->settings.size; i++) {
        if (pool->slots[i].easy)
            curl_easy_cleanup(pool->slots[i].easy);
    }
    if (pool->control.easy) {
        curl_easy_cleanup(pool->control.easy);
        pthread_mutex_destroy(&pool->control_lock);
    }
    if (pool->auth_header) {
        OPENSSL_cleanse(pool->auth_header, pool->auth_header_len);
        free(pool->auth_header);
    }
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->slots);
    free(pool->free_stack);
    free(pool->base_url);
    free(pool->ca_file);
    free(pool);
}

gw_err gw_neo4j_pool_set_credentials(gw_neo4j_pool *pool, const char *user, const char *password,
                                     size_t password_len)
{
    static const char prefix[] = "Authorization: Basic ";
    size_t user_len = strlen(user);
    size_t raw_len = user_len + 1 + password_len;
    char *raw = malloc(raw_len);
    size_t header_cap = sizeof prefix + GW_BASE64_ENCODED_SIZE(raw_len);
    char *header = malloc(header_cap);
    char *old;
    size_t old_len;

    if (!raw || !header) {
        free(raw);
        free(header);
        return GW_ERR_NOMEM;
    }
    memcpy(raw, user, user_len);
    raw[user_len] = ':';
    memcpy(raw + user_len + 1, password, password_len);
    memcpy(header, prefix, sizeof prefix - 1);
    gw_base64_encode((const unsigned char *)raw, raw_len, header + sizeof prefix - 1);
    OPENSSL_cleanse(raw, raw_len);
    free(raw);

    pthread_mutex_lock(&pool->lock);
    old = pool->auth_header;
    old_len = pool->auth_header_len;
    pool->auth_header = header;
    pool->auth_header_len = strlen(header);
    pool->credentials_generation++;
    pthread_mutex_unlock(&pool->lock);

    if (old) {
        OPENSSL_cleanse(old, old_len);
        free(old);
    }
    return GW_OK;
}

static int acquire(gw_neo4j_pool *pool)
{
    struct timespec deadline;
    int index = -1;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += pool->settings.acquire_timeout_ms / 1000;
    deadline.tv_nsec += (pool->settings.acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&pool->lock);
    while (pool->n_free == 0) {
        if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (pool->n_free > 0)
        index = pool->free_stack[--pool->n_free];
    pthread_mutex_unlock(&pool->lock);
    return index;
}

static void release(gw_neo4j_pool *pool, int index)
{
    pthread_mutex_lock(&pool->lock);
    pool->free_stack[pool->n_free++] = index;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

unsigned long gw_neo4j_pool_credentials_generation(gw_neo4j_pool *pool)
{
    unsigned long generation;

    pthread_mutex_lock(&pool->lock);
    generation = pool->credentials_generation;
    pthread_mutex_unlock(&pool->lock);
    return generation;
}

void gw_neo4j_pool_stats(gw_neo4j_pool *pool, int *size, int *free_slots)
{
    pthread_mutex_lock(&pool->lock);
    *size = pool->settings.size;
    *free_slots = pool->n_free;
    pthread_mutex_unlock(&pool->lock);
}

/* Builds the header list. The credentials line is copied under the lock;
 * free_headers wipes every line before freeing it. */
static struct curl_slist *build_headers(gw_neo4j_pool *pool, const gw_neo4j_request *req,
                                        unsigned long *generation)
{
    char line[160];
    struct curl_slist *list = NULL, *next;

    snprintf(line, sizeof line, "Content-Type: %s", req->content_type ? req->content_type : "application/json");
    list = curl_slist_append(list, line);
    if (!list)
        return NULL;
    snprintf(line, sizeof line, "Accept: %s", req->accept ? req->accept : "application/json");
    if (!(next = curl_slist_append(list, line)))
        goto fail;
    /* Neo4j does not need 100-continue; waiting for it costs a round trip. */
    if (!(next = curl_slist_append(list, "Expect:")))
        goto fail;
    pthread_mutex_lock(&pool->lock);
    next = pool->auth_header ? curl_slist_append(list, pool->auth_header) : list;
    if (generation)
        *generation = pool->credentials_generation;
    pthread_mutex_unlock(&pool->lock);
    if (!next)
        goto fail;
    return list;

fail:
    curl_slist_free_all(list);
    return NULL;
}

static void free_headers(struct curl_slist *list)
{
    for (struct curl_slist *item = list; item; item = item->next)
        OPENSSL_cleanse(item->data, strlen(item->data));
    curl_slist_free_all(list);
}

static int retryable_read_failure(CURLcode code)
{
    return code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
           code == CURLE_PARTIAL_FILE;
}

static gw_err classify_failure(CURLcode code, const transfer *t, const gw_neo4j_request *req,
                               const char *curl_error, const char *url_db, gw_error_detail *err)
{
    const char *why = curl_error[0] ? curl_error : curl_easy_strerror(code);

    if (t->too_large)
        return gw_error_set(err, GW_ERR_RESULT_TOO_LARGE,
                            "the result is larger than neo4j.max_result_bytes (%zu bytes); add LIMIT or "
                            "return fewer columns", t->max);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return gw_error_set(err, GW_ERR_NEO4J_TIMEOUT, "Neo4j did not answer in time for database '%s': %s",
                            url_db, why);
    case CURLE_SEND_FAIL_REWIND:
        return gw_error_set(err, GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN,
                            "the connection to Neo4j broke after a write was sent; check whether it was "
                            "applied before sending it again");
    default:
        break;
    }
    if (req->mode == GW_MODE_WRITE && t->upload_pos > 0 && retryable_read_failure(code))
        return gw_error_set(err, GW_ERR_NEO4J_WRITE_OUTCOME_UNKNOWN,
                            "the connection to Neo4j broke after a write was sent (%s); check whether it "
                            "was applied before sending it again", why);
    return gw_error_set(err, GW_ERR_NEO4J_UNAVAILABLE, "cannot reach Neo4j: %s", why);
}

/*
 * Terminates the server-side transaction of a request that timed out.
 * Closing the HTTP connection does not stop a query in Neo4j 5.26, and
 * the Query API has no per-request timeout there, so the transaction is
 * found by the request id parameter and terminated in one statement.
 */
static void terminate_timed_out(gw_neo4j_pool *pool, const gw_neo4j_request *req)
{
    static const char statement[] =
        "SHOW TRANSACTIONS YIELD transactionId, parameters "
        "WHERE parameters." GW_NEO4J_REQUEST_ID_PARAMETER " = $id "
        "TERMINATE TRANSACTIONS transactionId YIELD transactionId AS terminated RETURN count(terminated) AS n";
    gw_neo4j_request control = {0};
    struct curl_slist *headers = NULL;
    transfer t;
    json_t *body_json;
    char *body = NULL;
    CURLcode code = CURLE_OK;
    long status = 0;
    json_t *answer = NULL;
    json_int_t terminated = -1;

    memset(&t, 0, sizeof t);
    t.max = 64 * 1024;
    body_json = json_pack("{s:s, s:{s:s}}", "statement", statement, "parameters", "id", req->request_id);
    body = body_json ? json_dumps(body_json, JSON_COMPACT) : NULL;
    json_decref(body_json);
    control.content_type = NULL;
    headers = body ? build_headers(pool, &control, NULL) : NULL;
    if (!headers)
        goto out;

    pthread_mutex_lock(&pool->control_lock);
    snprintf(pool->control.url, sizeof pool->control.url, "%s/db/%s/query/v2", pool->base_url, req->database);
    curl_easy_setopt(pool->control.easy, CURLOPT_URL, pool->control.url);
    curl_easy_setopt(pool->control.easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(pool->control.easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(pool->control.easy, CURLOPT_POSTFIELDS, body);
    code = curl_easy_perform(pool->control.easy);
    curl_easy_getinfo(pool->control.easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(pool->control.easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(pool->control.easy, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(pool->control.easy, CURLOPT_WRITEDATA, NULL);
    pthread_mutex_unlock(&pool->control_lock);

    if (code == CURLE_OK && t.buf) {
        answer = json_loadb(t.buf, t.len, 0, NULL);
        json_unpack(answer, "{s:{s:[[I]]}}", "data", "values", &terminated);
    }

out:
    gw_log_event(terminated >= 0 ? GW_LOG_INFO : GW_LOG_ERROR,
                 terminated >= 0 ? "terminated timed-out transaction" : "could not terminate timed-out transaction",
                 json_pack("{s:s, s:s, s:I, s:i, s:s}", "neo4j_tag", req->request_id, "db", req->database,
                           "terminated", terminated, "neo4j_status", (int)status, "curl_error",
                           curl_easy_strerror(code)));
    json_decref(answer);
    free_headers(headers);
    free(body);
    free(t.buf);
}

gw_err gw_neo4j_execute(gw_neo4j_pool *pool, const gw_neo4j_request *req,
                        gw_neo4j_response *out, gw_error_detail *err)
{
    struct curl_slist *headers = NULL;
    transfer t;
    slot *s;
    int index;
    CURLcode code = CURLE_OK;
    gw_err rc = GW_ERR_INTERNAL;
    curl_off_t total_us = 0;

    memset(out, 0, sizeof *out);
    memset(&t, 0, sizeof t);
    t.max = pool->settings.max_result_bytes;

    index = acquire(pool);
    if (index < 0)
        return gw_error_set(err, GW_ERR_POOL_EXHAUSTED,
                            "all %d Neo4j connections stayed busy for %ld ms; retry later or raise "
                            "neo4j.pool_size", pool->settings.size, pool->settings.acquire_timeout_ms);
    s = &pool->slots[index];

    headers = build_headers(pool, req, &out->credentials_generation);
    if (!headers) {
        rc = GW_ERR_NOMEM;
        goto out;
    }
    snprintf(s->url, sizeof s->url, "%s/db/%s/query/v2", pool->base_url, req->database);
    curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    if (req->mode == GW_MODE_WRITE) {
        t.upload = req->body;
        t.upload_len = req->body_len;
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(s->easy, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(s->easy, CURLOPT_READDATA, &t);
    } else {
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, req->body);
    }

    for (int attempt = 1; attempt <= 2; attempt++) {
        curl_off_t attempt_us = 0;

        s->curl_error[0] = '\0';
        t.len = 0;
        t.too_large = 0;
        t.upload_pos = 0;
        out->attempts = attempt;
        code = curl_easy_perform(s->easy);
        curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &attempt_us);
        total_us += attempt_us;
        if (code == CURLE_OK || t.too_large)
            break;
        /* A read is safe to send again on a fresh connection when the old
         * one broke; a write only when no byte of its body left. */
        if (attempt == 1 && retryable_read_failure(code) &&
            (req->mode == GW_MODE_READ || t.upload_pos == 0)) {
            gw_log_event(GW_LOG_WARN, "neo4j connection failed, retrying on a fresh connection",
                         json_pack("{s:s, s:i, s:s}", "curl_error", curl_easy_strerror(code), "slot", index,
                                   "db", req->database));
            curl_easy_setopt(s->easy, CURLOPT_FRESH_CONNECT, 1L);
            continue;
        }
        break;
    }
    curl_easy_setopt(s->easy, CURLOPT_FRESH_CONNECT, 0L);
    out->elapsed_us = (long)total_us;

    if (code != CURLE_OK) {
        rc = classify_failure(code, &t, req, s->curl_error, req->database, err);
        if (rc == GW_ERR_NEO4J_TIMEOUT && req->request_id)
            terminate_timed_out(pool, req);
        goto out;
    }

    {
        long status = 0;
        char *content_type = NULL;

        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(s->easy, CURLINFO_CONTENT_TYPE, &content_type);
        out->status = status;
        snprintf(out->content_type, sizeof out->content_type, "%s",
                 content_type ? content_type : "application/json");
    }
    if (!t.buf) {
        t.buf = strdup("");
        if (!t.buf) {
            rc = GW_ERR_NOMEM;
            goto out;
        }
    }
    out->body = t.buf;
    out->len = t.len;
    t.buf = NULL;
    rc = GW_OK;

out:
    /* Drop pointers into this request's memory before the slot is reused. */
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(s->easy, CURLOPT_READDATA, NULL);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, NULL);
    free_headers(headers);
    free(t.buf);
    release(pool, index);
    return rc;
}

void gw_neo4j_response_clear(gw_neo4j_response *response)
{
    free(response->body);
    memset(response, 0, sizeof *response);
}
