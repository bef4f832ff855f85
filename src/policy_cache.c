/* policy_cache.c - LRU cache of plan features per statement (see gw_policy.h). */
#include "gw_policy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

typedef struct cache_entry {
    unsigned char key[SHA256_DIGEST_LENGTH];
    gw_plan_features features;
    struct cache_entry *bucket_next;
    struct cache_entry *newer, *older;
} cache_entry;

struct gw_policy_cache {
    pthread_mutex_t lock;
    cache_entry **buckets;
    size_t n_buckets;
    size_t capacity;
    size_t size;
    cache_entry *newest, *oldest;
};

gw_policy_cache *gw_policy_cache_new(size_t capacity)
{
    gw_policy_cache *cache = calloc(1, sizeof *cache);

    if (!cache)
        return NULL;
    cache->capacity = capacity ? capacity : 1;
    cache->n_buckets = cache->capacity * 2;
    cache->buckets = calloc(cache->n_buckets, sizeof *cache->buckets);
    if (!cache->buckets) {
        free(cache);
        return NULL;
    }
    pthread_mutex_init(&cache->lock, NULL);
    return cache;
}

void gw_policy_cache_free(gw_policy_cache *cache)
{
    cache_entry *e, *next;

    if (!cache)
        return;
    for (e = cache->newest; e; e = next) {
        next = e->older;
        gw_plan_features_clear(&e->features);
        free(e);
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache->buckets);
    free(cache);
}

/* The key hashes the database and the statement, so one statement sent to
 * two databases has two entries (their plans may differ). */
static int make_key(const char *database, const char *statement, size_t len, unsigned char *key)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok;

    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(ctx, database, strlen(database) + 1) == 1 && EVP_DigestUpdate(ctx, statement, len) == 1 &&
         EVP_DigestFinal_ex(ctx, key, &n) == 1 && n == SHA256_DIGEST_LENGTH;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

static size_t bucket_of(const gw_policy_cache *cache, const unsigned char *key)
{
    size_t h;

    memcpy(&h, key, sizeof h);
    return h % cache->n_buckets;
}

static void unlink_lru(gw_policy_cache *cache, cache_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        cache->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        cache->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(gw_policy_cache *cache, cache_entry *e)
{
    e->older = cache->newest;
    e->newer = NULL;
    if (cache->newest)
        cache->newest->newer = e;
    cache->newest = e;
    if (!cache->oldest)
        cache->oldest = e;
}

static cache_entry *find(gw_policy_cache *cache, const unsigned char *key)
{
    for (cache_entry *e = cache->buckets[bucket_of(cache, key)]; e; e = e->bucket_next) {
        if (memcmp(e->key, key, sizeof e->key) == 0)
            return e;
    }
    return NULL;
}

static void remove_from_bucket(gw_policy_cache *cache, cache_entry *victim)
{
    cache_entry **link = &cache->buckets[bucket_of(cache, victim->key)];

    while (*link && *link != victim)
        link = &(*link)->bucket_next;
    if (*link)
        *link = victim->bucket_next;
}

static int copy_features(gw_plan_features *dst, const gw_plan_features *src)
{
    *dst = *src;
    dst->procedures = NULL;
    if (src->procedures) {
        dst->procedures = malloc(src->procedures_len + 1);
        if (!dst->procedures)
            return -1;
        memcpy(dst->procedures, src->procedures, src->procedures_len + 1);
    }
    return 0;
}

int gw_policy_cache_get(gw_policy_cache *cache, const char *database, const char *statement, size_t len,
                        gw_plan_features *out)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    cache_entry *e;
    int found = 0;

    if (make_key(database, statement, len, key) != 0)
        return -1;
    pthread_mutex_lock(&cache->lock);
    e = find(cache, key);
    if (e) {
        unlink_lru(cache, e);
        push_newest(cache, e);
        found = copy_features(out, &e->features) == 0 ? 1 : -1;
    }
    pthread_mutex_unlock(&cache->lock);
    return found;
}

void gw_policy_cache_put(gw_policy_cache *cache, const char *database, const char *statement, size_t len,
                         const gw_plan_features *features)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    cache_entry *e = calloc(1, sizeof *e);

    if (!e)
        return;
    if (make_key(database, statement, len, key) != 0) {
        free(e);
        return;
    }
    memcpy(e->key, key, sizeof key);
    if (copy_features(&e->features, features) != 0) {
        free(e);
        return;
    }

    pthread_mutex_lock(&cache->lock);
    if (find(cache, key)) {
        /* Another thread stored it first. */
        pthread_mutex_unlock(&cache->lock);
        gw_plan_features_clear(&e->features);
        free(e);
        return;
    }
    if (cache->size >= cache->capacity && cache->oldest) {
        cache_entry *victim = cache->oldest;

        unlink_lru(cache, victim);
        remove_from_bucket(cache, victim);
        gw_plan_features_clear(&victim->features);
        free(victim);
        cache->size--;
    }
    e->bucket_next = cache->buckets[bucket_of(cache, key)];
    cache->buckets[bucket_of(cache, key)] = e;
    push_newest(cache, e);
    cache->size++;
    pthread_mutex_unlock(&cache->lock);
}

size_t gw_policy_cache_size(gw_policy_cache *cache)
{
    size_t size;

    pthread_mutex_lock(&cache->lock);
    size = cache->size;
    pthread_mutex_unlock(&cache->lock);
    return size;
}
