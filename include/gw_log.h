/*
 * gw_log.h - structured JSON logging to standard output.
 *
 * Every event is one JSON object on one line, written with a single write(2)
 * so lines from different threads never interleave. Keys are fixed and
 * snake_case: ts, level, msg, then event fields. Callers pass ids, codes and
 * timings only: no secret, token, password, statement or parameter value may
 * ever reach this module.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <jansson.h>

typedef enum gw_log_level {
    GW_LOG_DEBUG = 0,
    GW_LOG_INFO = 1,
    GW_LOG_WARN = 2,
    GW_LOG_ERROR = 3
} gw_log_level;

/* Sets the lowest level written; events below it cost one comparison. */
void gw_log_set_level(gw_log_level level);

/* Parses "debug", "info", "warn" or "error". Returns 0 on success, -1 when
 * `name` is none of them. */
int gw_log_level_parse(const char *name, gw_log_level *out);

/* Returns nonzero when events at `level` are written. */
int gw_log_enabled(gw_log_level level);

/* Writes one event. `fields` (may be NULL) is a JSON object whose members
 * are appended after ts/level/msg; this function takes ownership of it (it
 * is released even when the level is disabled). */
void gw_log_event(gw_log_level level, const char *msg, json_t *fields);

/* Writes an event whose only field is a formatted "detail" string. */
void gw_log_msg(gw_log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
