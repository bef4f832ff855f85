/*
 * gw_rate_limit.h - counting failed attempts per key in a fixed window.
 *
 * Used by POST /token to slow down secret guessing: once a key (a client
 * id, or a source address) has `limit` failures inside the window, further
 * attempts are rejected until the window ends. The table has a fixed
 * capacity, so a flood of distinct keys cannot grow memory; when it is full
 * the entry whose window started first is replaced.
 *
 * Thread-safe. Time is passed in (seconds), so tests use a frozen clock.
 * Ownership: gw_rate_limiter_new returns a limiter released with
 * gw_rate_limiter_free; keys are copied.
 */
#ifndef GW_RATE_LIMIT_H
#define GW_RATE_LIMIT_H

#include <stddef.h>

typedef struct gw_rate_limiter gw_rate_limiter;

gw_rate_limiter *gw_rate_limiter_new(size_t capacity, long window_s);
void gw_rate_limiter_free(gw_rate_limiter *limiter);

/* Returns the seconds until `key` may try again (> 0) when it reached
 * `limit` failures in the current window, else 0. */
long gw_rate_limiter_check(gw_rate_limiter *limiter, const char *key, int limit, long long now);

/* Counts one failure for `key`. */
void gw_rate_limiter_fail(gw_rate_limiter *limiter, const char *key, long long now);

/* Forgets `key`, e.g. after a success. */
void gw_rate_limiter_reset(gw_rate_limiter *limiter, const char *key);

#endif
