/* rate_limit.c - fixed-window failure counters (see gw_rate_limit.h). */
#include "gw_rate_limit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 160

typedef struct entry {
    char key[KEY_MAX]; /* "" when the entry is free */
    long long window_start;
    int failures;
} entry;

struct gw_rate_limiter {
    pthread_mutex_t lock;
    entry *entries;
    size_t capacity;
    long window_s;
};

gw_rate_limiter *gw_rate_limiter_new(size_t capacity, long window_s)
{
    gw_rate_limiter *limiter = calloc(1, sizeof *limiter);

    if (!limiter)
        return NULL;
    limiter->entries = calloc(capacity ? capacity : 1, sizeof *limiter->entries);
    if (!limiter->entries) {
        free(limiter);
        return NULL;
    }
    limiter->capacity = capacity ? capacity : 1;
    limiter->window_s = window_s;
    pthread_mutex_init(&limiter->lock, NULL);
    return limiter;
}

void gw_rate_limiter_free(gw_rate_limiter *limiter)
{
    if (!limiter)
        return;
    pthread_mutex_destroy(&limiter->lock);
    free(limiter->entries);
    free(limiter);
}

/* FNV-1a: cheap and good enough to spread keys over the table. */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *key; key++) {
        h ^= (unsigned char)*key;
        h *= 1099511628211ULL;
    }
    return h;
}

static int is_free(const gw_rate_limiter *limiter, const entry *e, long long now)
{
    return e->key[0] == '\0' || now >= e->window_start + limiter->window_s;
}

/* Finds the entry for `key` (already cut to KEY_MAX - 1 bytes) by linear
 * probing over at most 16 places. With `create`, a missing key takes a
 * free or expired place, else the place whose window started first. */
static entry *lookup(gw_rate_limiter *limiter, const char *key, long long now, int create)
{
    size_t start = (size_t)(hash_key(key) % limiter->capacity);
    size_t probes = limiter->capacity < 16 ? limiter->capacity : 16;
    entry *victim = NULL;

    for (size_t i = 0; i < probes; i++) {
        entry *e = &limiter->entries[(start + i) % limiter->capacity];

        if (e->key[0] != '\0' && strcmp(e->key, key) == 0)
            return e;
        if (!victim || (!is_free(limiter, victim, now) &&
                        (is_free(limiter, e, now) || e->window_start < victim->window_start)))
            victim = e;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    memcpy(victim->key, key, strlen(key) + 1);
    return victim;
}

static void cut_key(const char *key, char *out)
{
    size_t len = strlen(key);

    if (len > KEY_MAX - 1)
        len = KEY_MAX - 1;
    memcpy(out, key, len);
    out[len] = '\0';
}

long gw_rate_limiter_check(gw_rate_limiter *limiter, const char *key, int limit, long long now)
{
    char cut[KEY_MAX];
    long wait = 0;
    entry *e;

    cut_key(key, cut);
    pthread_mutex_lock(&limiter->lock);
    e = lookup(limiter, cut, now, 0);
    if (e && now < e->window_start + limiter->window_s && e->failures >= limit)
        wait = (long)(e->window_start + limiter->window_s - now);
    pthread_mutex_unlock(&limiter->lock);
    return wait;
}

void gw_rate_limiter_fail(gw_rate_limiter *limiter, const char *key, long long now)
{
    char cut[KEY_MAX];
    entry *e;

    cut_key(key, cut);
    pthread_mutex_lock(&limiter->lock);
    e = lookup(limiter, cut, now, 1);
    if (e->failures == 0 || now >= e->window_start + limiter->window_s) {
        e->window_start = now;
        e->failures = 0;
    }
    e->failures++;
    pthread_mutex_unlock(&limiter->lock);
}

void gw_rate_limiter_reset(gw_rate_limiter *limiter, const char *key)
{
    char cut[KEY_MAX];
    entry *e;

    cut_key(key, cut);
    pthread_mutex_lock(&limiter->lock);
    e = lookup(limiter, cut, 0, 0);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&limiter->lock);
}
