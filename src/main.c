/*
 * main.c - command line, startup, signals and shutdown of cypher-gateway.
 *
 * Signals are blocked in every thread and taken by sigwait() in the main
 * thread, so handlers never run inside library code:
 *   SIGTERM, SIGINT  drain in-flight requests, then exit 0
 *   SIGHUP           re-read the configuration and secrets; on failure the
 *                    running configuration stays
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "gw_base64.h"
#include "gw_config.h"
#include "gw_gateway.h"
#include "gw_log.h"
#include "gw_neo4j.h"
#include "gw_runtime.h"
#include "gw_secret_hash.h"
#include "gw_ssm.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

#define DEFAULT_CONFIG "config/gateway.yaml"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cypher-gateway [--config FILE] [--check-config]\n"
            "       cypher-gateway hash-secret [--pbkdf2] [--iterations N] < secret\n"
            "       cypher-gateway gen-client\n"
            "       cypher-gateway --healthcheck URL\n"
            "       cypher-gateway --version\n"
            "\n"
            "  --config FILE      configuration file (default %s)\n"
            "  --check-config     parse the configuration, resolve its secrets and exit\n"
            "  hash-secret        read a client secret on stdin and print its hash for secret_hash;\n"
            "                     sha256 by default (for generated secrets), --pbkdf2 for chosen ones\n"
            "  gen-client         print a new random client secret and its hash\n"
            "  --healthcheck URL  exit 0 when GET URL answers 200 (for container health checks)\n",
            DEFAULT_CONFIG);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void log_config_error(const char *msg, gw_err rc, const gw_error_detail *detail)
{
    /* gw_err_code gives the code HTTP clients see ("internal_error" for
     * all of these); the log names the kind of startup failure. */
    const char *kind = rc == GW_ERR_CONFIG ? "invalid_config" : rc == GW_ERR_SECRET ? "secret_unavailable"
                       : rc == GW_ERR_IO   ? "io_error"       : gw_err_code(rc);
    json_t *fields = json_pack("{s:s, s:s}", "code", kind, "error", detail->message);

    if (fields && detail->source[0]) {
        json_object_set_new(fields, "file", json_string(detail->source));
        if (detail->line)
            json_object_set_new(fields, "line", json_integer(detail->line));
    }
    gw_log_event(GW_LOG_ERROR, msg, fields);
    /* People start the daemon by hand too, so the error also goes to stderr as plain text. */
    if (detail->source[0] && detail->line)
        fprintf(stderr, "cypher-gateway: %s:%d: %s\n", detail->source, detail->line, detail->message);
    else if (detail->source[0])
        fprintf(stderr, "cypher-gateway: %s: %s\n", detail->source, detail->message);
    else
        fprintf(stderr, "cypher-gateway: %s\n", detail->message[0] ? detail->message : gw_strerror(rc));
}

/* Loads the configuration and resolves it into a runtime. */
static gw_err load_runtime(const char *path, gw_runtime **out, gw_error_detail *detail)
{
    gw_config *config = NULL;
    gw_ssm_fetch_ctx fetch_ctx;
    gw_log_level level;
    gw_err rc;

    rc = gw_config_load(path, &config, detail);
    if (rc != GW_OK)
        return rc;
    if (gw_log_level_parse(config->log_level, &level) == 0)
        gw_log_set_level(level);

    /* env: and file: references resolve locally, and AWS is contacted only
     * when the configuration has an ssm: reference. The credentials cache is
     * process-wide, so reloads reuse credentials that are still fresh. */
    fetch_ctx.config = config;
    fetch_ctx.credentials = gw_aws_credentials_default_provider();
    return gw_runtime_create(config, gw_secret_fetch_with_ssm, &fetch_ctx, out, detail);
}

static int cmd_hash_secret(int argc, char **argv)
{
    gw_hash_scheme scheme = GW_HASH_SHA256;
    unsigned iterations = GW_PBKDF2_DEFAULT_ITERATIONS;
    char secret[1025];
    size_t len;
    char *hash;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--pbkdf2") == 0) {
            scheme = GW_HASH_PBKDF2_SHA256;
        } else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            char *end = NULL;

            iterations = (unsigned)strtoul(argv[++i], &end, 10);
            if (*end != '\0' || iterations < 1000) {
                fprintf(stderr, "cypher-gateway: --iterations must be an integer of at least 1000\n");
                return 2;
            }
            scheme = GW_HASH_PBKDF2_SHA256;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!fgets(secret, sizeof secret, stdin)) {
        fprintf(stderr, "cypher-gateway: hash-secret reads the secret on standard input; none was given\n");
        return 2;
    }
    len = strcspn(secret, "\r\n");
    if (len == 0 || len >= sizeof secret - 1) {
        OPENSSL_cleanse(secret, sizeof secret);
        fprintf(stderr, "cypher-gateway: the secret must be 1..1023 bytes on one line\n");
        return 2;
    }
    if (scheme == GW_HASH_SHA256 && len < 32)
        fprintf(stderr, "cypher-gateway: warning: a secret of %zu characters is short for the sha256 format; "
                        "use 'gen-client' or --pbkdf2\n", len);
    hash = gw_secret_hash_create(secret, len, scheme, iterations);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!hash) {
        fprintf(stderr, "cypher-gateway: hashing failed\n");
        return 1;
    }
    printf("%s\n", hash);
    free(hash);
    return 0;
}

static int cmd_gen_client(void)
{
    unsigned char raw[32];
    char secret[GW_BASE64_ENCODED_SIZE(sizeof raw)];
    char *hash;

    if (RAND_bytes(raw, sizeof raw) != 1)
        return 1;
    gw_base64url_encode(raw, sizeof raw, secret);
    OPENSSL_cleanse(raw, sizeof raw);
    hash = gw_secret_hash_create(secret, strlen(secret), GW_HASH_SHA256, 0);
    if (!hash)
        return 1;
    printf("CLIENT_SECRET=%s\nCLIENT_SECRET_HASH=%s\n", secret, hash);
    OPENSSL_cleanse(secret, sizeof secret);
    free(hash);
    return 0;
}

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * nmemb;
}

static int cmd_healthcheck(const char *url)
{
    CURL *easy;
    long status = 0;
    CURLcode code;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    easy = curl_easy_init();
    if (!easy)
        return 1;
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
    code = curl_easy_perform(easy);
    if (code == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    curl_global_cleanup();
    if (code != CURLE_OK || status != 200) {
        fprintf(stderr, "cypher-gateway: health check of %s failed: %s (status %ld)\n", url,
                code == CURLE_OK ? "unexpected status" : curl_easy_strerror(code), status);
        return 1;
    }
    return 0;
}

typedef struct refresh_target {
    gw_gateway *gateway;
    const char *config_path;
} refresh_target;

/* Re-reads the configuration and every secret after Neo4j rejected the
 * gateway's password; runs on a worker thread (see gw_refresh_neo4j_credentials). */
static int refresh_credentials(void *ctx)
{
    refresh_target *target = ctx;
    gw_runtime *fresh = NULL;
    gw_error_detail detail;
    gw_err rc;

    memset(&detail, 0, sizeof detail);
    gw_log_msg(GW_LOG_WARN, "neo4j rejected the gateway's credentials", "re-reading secrets from %s",
               target->config_path);
    rc = load_runtime(target->config_path, &fresh, &detail);
    if (rc != GW_OK) {
        log_config_error("credential refresh failed, keeping the running configuration", rc, &detail);
        return -1;
    }
    if (gw_gateway_swap_runtime(target->gateway, fresh) != GW_OK)
        return -1;
    gw_log_msg(GW_LOG_INFO, "credential refresh complete", "secrets re-read after a 401 from Neo4j");
    return 0;
}

static void reload(gw_gateway *gateway, const char *path)
{
    gw_runtime *fresh = NULL;
    gw_error_detail detail;
    gw_runtime *current;
    gw_err rc;

    memset(&detail, 0, sizeof detail);
    gw_log_msg(GW_LOG_INFO, "reload requested", "re-reading %s and its secrets", path);
    rc = load_runtime(path, &fresh, &detail);
    if (rc != GW_OK) {
        log_config_error("reload failed, keeping the running configuration", rc, &detail);
        return;
    }
    current = gw_gateway_runtime(gateway);
    if (strcmp(current->config->listen_address, fresh->config->listen_address) != 0 ||
        current->config->port != fresh->config->port || current->config->threads != fresh->config->threads ||
        current->config->pool_size != fresh->config->pool_size ||
        strcmp(current->config->neo4j_url, fresh->config->neo4j_url) != 0)
        gw_log_msg(GW_LOG_WARN, "reload", "listen address, threads, pool size and Neo4j URL change only on restart");
    gw_runtime_unref(current);
    rc = gw_gateway_swap_runtime(gateway, fresh);
    if (rc != GW_OK) {
        gw_log_msg(GW_LOG_ERROR, "reload failed, keeping the running configuration", "%s", gw_strerror(rc));
        return;
    }
    gw_log_msg(GW_LOG_INFO, "reload complete", "configuration and secrets replaced");
}

int main(int argc, char **argv)
{
    const char *config_path = DEFAULT_CONFIG;
    int check_only = 0;
    struct timespec started;
    gw_runtime *runtime = NULL;
    gw_neo4j_pool *pool = NULL;
    gw_gateway *gateway = NULL;
    gw_neo4j_settings settings;
    gw_error_detail detail;
    sigset_t signals;
    refresh_target refresher;
    gw_err rc;
    int exit_code = 1;

    clock_gettime(CLOCK_MONOTONIC, &started);
    memset(&detail, 0, sizeof detail);

    if (argc >= 2 && strcmp(argv[1], "hash-secret") == 0)
        return cmd_hash_secret(argc, argv);
    if (argc == 2 && strcmp(argv[1], "gen-client") == 0)
        return cmd_gen_client();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check_only = 1;
        } else if (strcmp(argv[i], "--healthcheck") == 0 && i + 1 < argc) {
            return cmd_healthcheck(argv[i + 1]);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("cypher-gateway %s\n", GW_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "cypher-gateway: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    /* Block the signals before any thread exists, so all threads inherit
     * the mask and only sigwait() below receives them. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "cypher-gateway: libcurl initialisation failed\n");
        return 1;
    }
    gw_log_event(GW_LOG_INFO, "starting",
                 json_pack("{s:s, s:s, s:i}", "version", GW_VERSION, "config", config_path, "pid", (int)getpid()));

    rc = load_runtime(config_path, &runtime, &detail);
    if (rc != GW_OK) {
        log_config_error("startup failed", rc, &detail);
        goto out;
    }
    if (check_only) {
        printf("%s: configuration is valid (%zu clients)\n", config_path, runtime->n_clients);
        exit_code = 0;
        goto out;
    }

    memset(&settings, 0, sizeof settings);
    settings.url = runtime->config->neo4j_url;
    settings.ca_file = runtime->config->neo4j_ca_file;
    settings.size = runtime->config->pool_size;
    settings.acquire_timeout_ms = runtime->config->acquire_timeout_ms;
    settings.connect_timeout_ms = runtime->config->connect_timeout_ms;
    settings.request_timeout_ms = runtime->config->request_timeout_ms;
    settings.max_idle_s = runtime->config->max_idle_s;
    settings.max_result_bytes = runtime->config->max_result_bytes;
    rc = gw_neo4j_pool_create(&settings, &pool, &detail);
    if (rc == GW_OK)
        rc = gw_neo4j_pool_set_credentials(pool, runtime->config->neo4j_user, runtime->neo4j_password.data,
                                           runtime->neo4j_password.len);
    if (rc != GW_OK) {
        log_config_error("startup failed", rc, &detail);
        gw_neo4j_pool_destroy(pool);
        goto out;
    }

    {
        char listen[160];
        int drain_s = runtime->config->drain_timeout_s;
        json_t *fields;

        snprintf(listen, sizeof listen, "%s:%d", runtime->config->listen_address, runtime->config->port);
        fields = json_pack("{s:s, s:s, s:i, s:i, s:s, s:I}", "listen", listen, "neo4j_url", runtime->config->neo4j_url,
                           "threads", runtime->config->threads, "pool_size", runtime->config->pool_size,
                           "default_db", runtime->config->neo4j_database, "clients",
                           (json_int_t)runtime->n_clients);
        /* gw_gateway_start owns runtime and pool from here on. */
        rc = gw_gateway_start(runtime, pool, &gateway, &detail);
        runtime = NULL;
        pool = NULL;
        if (rc != GW_OK) {
            json_decref(fields);
            log_config_error("startup failed", rc, &detail);
            goto out;
        }
        refresher.gateway = gateway;
        refresher.config_path = config_path;
        gw_gateway_set_credentials_refresher(gateway, refresh_credentials, &refresher);
        json_object_set_new(fields, "startup_ms", json_real(seconds_since(&started) * 1000.0));
        gw_log_event(GW_LOG_INFO, "listening", fields);

        for (;;) {
            int sig = 0;

            if (sigwait(&signals, &sig) != 0)
                continue;
            if (sig == SIGHUP) {
                reload(gateway, config_path);
                continue;
            }
            gw_log_event(GW_LOG_INFO, "shutting down",
                         json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "drain_timeout_s",
                                   drain_s));
            {
                long left = gw_gateway_stop(gateway, drain_s);

                gateway = NULL;
                if (left > 0)
                    gw_log_event(GW_LOG_WARN, "drain time ran out",
                                 json_pack("{s:I}", "requests_in_flight", (json_int_t)left));
            }
            break;
        }
    }
    gw_log_event(GW_LOG_INFO, "stopped", NULL);
    exit_code = 0;

out:
    gw_runtime_unref(runtime);
    curl_global_cleanup();
    return exit_code;
}
