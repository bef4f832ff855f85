/* runtime.c - building resolved runtimes from a config (see gw_runtime.h). */
#include "gw_runtime.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

gw_err gw_secret_fetch_local(void *ctx, const gw_secret_ref *const *refs, const char *const *whats,
                             gw_secret *values, size_t n, gw_error_detail *err)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        gw_err rc;

        if (refs[i]->kind == GW_SECRET_SSM)
            return gw_error_set(err, GW_ERR_SECRET,
                                "%s refers to SSM parameter %s, but SSM is not available in this build",
                                whats[i], refs[i]->name);
        rc = gw_secret_resolve_local(refs[i], whats[i], &values[i], err);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

static void runtime_free(gw_runtime *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_clients; i++)
        gw_secret_hash_clear(&rt->clients[i].hash);
    free(rt->clients);
    for (size_t i = 0; i < rt->n_public_keys; i++)
        EVP_PKEY_free(rt->public_keys[i].pkey);
    free(rt->public_keys);
    gw_secret_hash_clear(&rt->dummy_hash);
    gw_jwt_verifier_wipe(&rt->verifier);
    gw_jwt_cache_free(rt->verifier.cache);
    gw_secret_clear(&rt->signing_key);
    gw_secret_clear(&rt->neo4j_password);
    gw_config_free(rt->config);
    free(rt);
}

/* Builds a hash that no secret matches, with the cost of the first
 * client's scheme, so a wrong client id takes as long as a wrong secret. */
static gw_err make_dummy_hash(gw_runtime *rt)
{
    rt->dummy_hash.scheme = GW_HASH_SHA256;
    if (rt->n_clients > 0) {
        rt->dummy_hash.scheme = rt->clients[0].hash.scheme;
        rt->dummy_hash.iterations = rt->clients[0].hash.iterations;
    }
    if (RAND_bytes(rt->dummy_hash.salt, sizeof rt->dummy_hash.salt) != 1 ||
        RAND_bytes(rt->dummy_hash.hash, sizeof rt->dummy_hash.hash) != 1)
        return GW_ERR_INTERNAL;
    return GW_OK;
}

gw_err gw_runtime_create(gw_config *config, gw_secret_fetcher fetch, void *fetch_ctx,
                         gw_runtime **out, gw_error_detail *err)
{
    gw_runtime *rt = NULL;
    const gw_secret_ref **refs = NULL;
    const char **whats = NULL;
    char (*what_buf)[192] = NULL;
    gw_secret *values = NULL;
    size_t n = 2 + config->n_clients + config->n_jwt_keys;
    size_t key_base = 2 + config->n_clients;
    gw_err rc = GW_ERR_NOMEM;

    *out = NULL;
    rt = calloc(1, sizeof *rt);
    refs = calloc(n, sizeof *refs);
    whats = calloc(n, sizeof *whats);
    what_buf = calloc(n, sizeof *what_buf);
    values = calloc(n, sizeof *values);
    if (!rt || !refs || !whats || !what_buf || !values) {
        gw_config_free(config);
        goto out;
    }
    rt->config = config;
    rt->refs = 1;

    /* Every secret is fetched in one call, so SSM can batch them. */
    refs[0] = &config->neo4j_password;
    whats[0] = "neo4j.password";
    refs[1] = &config->jwt_signing_key;
    whats[1] = "jwt.signing_key";
    for (size_t i = 0; i < config->n_clients; i++) {
        snprintf(what_buf[i + 2], sizeof what_buf[i + 2], "clients[%s].secret_hash", config->clients[i].id);
        refs[i + 2] = &config->clients[i].secret_hash;
        whats[i + 2] = what_buf[i + 2];
    }
    for (size_t i = 0; i < config->n_jwt_keys; i++) {
        snprintf(what_buf[key_base + i], sizeof what_buf[key_base + i], "jwt.verify_keys[%s].public_key",
                 config->jwt_keys[i].kid);
        refs[key_base + i] = &config->jwt_keys[i].public_key;
        whats[key_base + i] = what_buf[key_base + i];
    }
    rc = fetch(fetch_ctx, refs, whats, values, n, err);
    if (rc != GW_OK)
        goto out;

    rt->neo4j_password = values[0];
    rt->signing_key = values[1];
    memset(&values[0], 0, 2 * sizeof values[0]);
    if (rt->signing_key.len < GW_JWT_MIN_KEY_BYTES) {
        rc = gw_error_set(err, GW_ERR_CONFIG,
                          "jwt.signing_key is %zu bytes; HS256 needs at least %d, e.g. "
                          "'openssl rand -base64 48'", rt->signing_key.len, GW_JWT_MIN_KEY_BYTES);
        goto out;
    }

    rt->clients = calloc(config->n_clients ? config->n_clients : 1, sizeof *rt->clients);
    if (!rt->clients) {
        rc = GW_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < config->n_clients; i++) {
        gw_error_detail inner;

        rt->clients[i].config = &config->clients[i];
        rc = gw_secret_hash_parse(values[i + 2].data, values[i + 2].len, &rt->clients[i].hash, &inner);
        if (rc != GW_OK) {
            gw_error_set_at(err, rc, config->source, config->clients[i].line, 0, "%s: %s", whats[i + 2],
                            inner.message);
            goto out;
        }
        rt->n_clients = i + 1;
    }
    rc = make_dummy_hash(rt);
    if (rc != GW_OK)
        goto out;

    /* A key that fails to load stops the start: a verifier with a missing
     * key must never be left to decide what an unsigned token means. */
    rt->public_keys = calloc(config->n_jwt_keys ? config->n_jwt_keys : 1, sizeof *rt->public_keys);
    if (!rt->public_keys) {
        rc = GW_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < config->n_jwt_keys; i++) {
        gw_jwt_public_key *key = &rt->public_keys[i];
        gw_error_detail inner;

        key->kid = config->jwt_keys[i].kid;
        gw_jwt_alg_parse(config->jwt_keys[i].alg, &key->alg);
        rc = gw_jwt_public_key_load(values[key_base + i].data, values[key_base + i].len, key->alg, &key->pkey,
                                    &inner);
        if (rc != GW_OK) {
            gw_error_set_at(err, rc, config->source, config->jwt_keys[i].line, 0, "%s: %s", whats[key_base + i],
                            inner.message);
            goto out;
        }
        rt->n_public_keys = i + 1;
    }

    rt->verifier.key = (const unsigned char *)rt->signing_key.data;
    rt->verifier.key_len = rt->signing_key.len;
    rt->verifier.public_keys = rt->public_keys;
    rt->verifier.n_public_keys = rt->n_public_keys;
    rt->verifier.rules.issuer = config->jwt_issuer;
    rt->verifier.rules.audience = config->jwt_audience;
    rt->verifier.rules.leeway_s = config->jwt_leeway_s;
    rt->verifier.max_token_bytes = config->jwt_max_token_bytes;
    gw_jwt_verifier_prepare(&rt->verifier);
    rt->verifier.cache = gw_jwt_cache_new(1024);
    if (!rt->verifier.cache) {
        rc = GW_ERR_NOMEM;
        goto out;
    }

    *out = rt;
    rt = NULL;
    rc = GW_OK;

out:
    if (values) {
        for (size_t i = 0; i < n; i++)
            gw_secret_clear(&values[i]);
    }
    free(values);
    free(what_buf);
    free(whats);
    free(refs);
    runtime_free(rt);
    return rc;
}

gw_runtime *gw_runtime_ref(gw_runtime *runtime)
{
    __atomic_add_fetch(&runtime->refs, 1, __ATOMIC_RELAXED);
    return runtime;
}

void gw_runtime_unref(gw_runtime *runtime)
{
    if (runtime && __atomic_sub_fetch(&runtime->refs, 1, __ATOMIC_ACQ_REL) == 0)
        runtime_free(runtime);
}

const gw_client *gw_runtime_find_client(const gw_runtime *runtime, const char *id)
{
    for (size_t i = 0; i < runtime->n_clients; i++) {
        if (strcmp(runtime->clients[i].config->id, id) == 0)
            return &runtime->clients[i];
    }
    return NULL;
}
