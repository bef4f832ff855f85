/*
 * jwt_verify_bench.c - single-thread throughput of HS256 token checks.
 *
 * Links the gateway's core objects (no HTTP, no Neo4j) and calls
 * gw_jwt_verify in a loop on a token from gw_jwt_issue, the same pair of
 * calls that POST /token and every /query request make. The verifier is set
 * up as gw_runtime_create does it (gw_jwt_verifier_prepare). The main case
 * runs without the verified-token cache, so every call checks the signature
 * and parses the claims; a second case measures cache hits. Rates are
 * operations per second of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID),
 * so they are per core and do not count time the scheduler gave to other
 * processes. Prints one JSON object on stdout.
 *
 * Usage: jwt_verify_bench [SECONDS]   (CPU seconds per case, default 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_claims.h"
#include "gw_jwt.h"

#define ISSUER "cypher-gateway-bench"
#define AUDIENCE "cypher-gateway-bench"
#define BATCH 1000

/* The same key length as bench/run.sh uses: 64 ASCII bytes. */
static const unsigned char KEY[] = "3f9a0c1d5e7b2468ace0f1b3d5c7e9a0b2c4d6e8f0a1b3c5d7e9f0a2b4c6d8e9";

typedef struct bench_case {
    const char *name;
    const char *token;
    size_t token_len;
    gw_token_err expected;
    long long now;
    int cached; /* use a gw_jwt_cache, as the gateway does */
} bench_case;

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets up `verifier` as gw_runtime_create does, with or without a cache. */
static void make_verifier(gw_jwt_verifier *verifier, int cached)
{
    memset(verifier, 0, sizeof *verifier);
    verifier->key = KEY;
    verifier->key_len = sizeof KEY - 1;
    verifier->rules.issuer = ISSUER;
    verifier->rules.audience = AUDIENCE;
    verifier->rules.leeway_s = 30;
    verifier->max_token_bytes = 8192;
    gw_jwt_verifier_prepare(verifier);
    if (cached)
        verifier->cache = gw_jwt_cache_new(1024);
}

static void free_verifier(gw_jwt_verifier *verifier)
{
    gw_jwt_cache_free(verifier->cache);
    verifier->cache = NULL;
    gw_jwt_verifier_wipe(verifier);
}

/* Runs gw_jwt_verify in batches until `seconds` of CPU time have passed;
 * returns operations per CPU second, or -1 when a result is unexpected. */
static double run_verify(const bench_case *c, double seconds)
{
    gw_jwt_verifier verifier;
    gw_claims claims;
    double start, elapsed = 0;
    long long ops = 0;

    make_verifier(&verifier, c->cached);
    if (verifier.cache == NULL && c->cached) {
        fprintf(stderr, "jwt_verify_bench: gw_jwt_cache_new failed\n");
        return -1;
    }
    start = cpu_seconds();
    while (elapsed < seconds) {
        for (int i = 0; i < BATCH; i++) {
            gw_token_err rc = gw_jwt_verify(&verifier, c->token, c->token_len, c->now, &claims);

            if (rc != c->expected) {
                fprintf(stderr, "jwt_verify_bench: case %s: gw_jwt_verify returned %s, expected %s\n", c->name,
                        gw_token_err_name(rc), gw_token_err_name(c->expected));
                free_verifier(&verifier);
                return -1;
            }
        }
        ops += BATCH;
        elapsed = cpu_seconds() - start;
    }
    free_verifier(&verifier);
    return (double)ops / elapsed;
}

static double run_issue(const gw_jwt_grant *grant, double seconds)
{
    double start = cpu_seconds();
    double elapsed = 0;
    long long ops = 0;

    while (elapsed < seconds) {
        for (int i = 0; i < BATCH / 10; i++) {
            char *token = gw_jwt_issue(KEY, sizeof KEY - 1, ISSUER, AUDIENCE, grant);

            if (!token) {
                fprintf(stderr, "jwt_verify_bench: gw_jwt_issue failed\n");
                return -1;
            }
            free(token);
        }
        ops += BATCH / 10;
        elapsed = cpu_seconds() - start;
    }
    return (double)ops / elapsed;
}

int main(int argc, char **argv)
{
    static const char *const databases[] = {"neo4j"};
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    long long now = (long long)time(NULL);
    gw_jwt_grant grant = {"bench", databases, 1, GW_MODE_READ, now, 3600};
    char *token;
    char *forged;
    size_t len;
    bench_case valid, cached, bad_signature;
    double verify_rate, cached_rate, reject_rate, issue_rate;

    if (!(seconds > 0)) {
        fprintf(stderr, "usage: jwt_verify_bench [SECONDS]\n"
                        "  SECONDS  CPU seconds for the main case, a positive number (default 2)\n");
        return 2;
    }
    token = gw_jwt_issue(KEY, sizeof KEY - 1, ISSUER, AUDIENCE, &grant);
    if (!token) {
        fprintf(stderr, "jwt_verify_bench: gw_jwt_issue failed\n");
        return 1;
    }
    len = strlen(token);

    /* A forged token differs in the last signature character only, so it
     * passes every check before the HMAC comparison. */
    forged = strdup(token);
    if (!forged)
        return 1;
    forged[len - 2] = forged[len - 2] == 'A' ? 'B' : 'A';

    valid = (bench_case){"valid", token, len, GW_TOKEN_OK, now, 0};
    cached = (bench_case){"valid_cached", token, len, GW_TOKEN_OK, now, 1};
    bad_signature = (bench_case){"bad_signature", forged, len, GW_TOKEN_BAD_SIGNATURE, now, 0};

    run_verify(&valid, seconds / 10); /* warms CPU caches and OpenSSL's method lookup */
    verify_rate = run_verify(&valid, seconds);
    cached_rate = run_verify(&cached, seconds / 2);
    reject_rate = run_verify(&bad_signature, seconds / 2);
    issue_rate = run_issue(&grant, seconds / 2);
    if (verify_rate < 0 || cached_rate < 0 || reject_rate < 0 || issue_rate < 0)
        return 1;

    printf("{\"token_bytes\":%zu,\"cpu_seconds_main_case\":%.2f,\"verify_per_s\":%.0f,"
           "\"verify_us\":%.3f,\"verify_cached_per_s\":%.0f,\"reject_bad_signature_per_s\":%.0f,"
           "\"issue_per_s\":%.0f}\n",
           len, seconds, verify_rate, 1e6 / verify_rate, cached_rate, reject_rate, issue_rate);
    free(forged);
    free(token);
    return 0;
}
