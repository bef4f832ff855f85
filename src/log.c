/* log.c - one JSON object per line on stdout (see gw_log.h). */
#include "gw_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = GW_LOG_INFO;

static const char *level_name(gw_log_level level)
{
    switch (level) {
    case GW_LOG_DEBUG: return "debug";
    case GW_LOG_INFO: return "info";
    case GW_LOG_WARN: return "warn";
    case GW_LOG_ERROR: return "error";
    }
    return "info";
}

void gw_log_set_level(gw_log_level level)
{
    atomic_store(&min_level, (int)level);
}

int gw_log_level_parse(const char *name, gw_log_level *out)
{
    static const gw_log_level levels[] = {GW_LOG_DEBUG, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR};

    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcasecmp(name, level_name(levels[i])) == 0) {
            *out = levels[i];
            return 0;
        }
    }
    return -1;
}

int gw_log_enabled(gw_log_level level)
{
    return (int)level >= atomic_load(&min_level);
}

/* Formats the current UTC time as RFC 3339 with microseconds. */
static void format_timestamp(char *out, size_t size)
{
    struct timespec now;
    struct tm tm;
    size_t len;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    len = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, size - len, ".%06dZ", (int)(now.tv_nsec / 1000) % 1000000);
}

static void write_all(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);

        if (n <= 0)
            return; /* stdout is closed, so the event cannot be reported anywhere */
        data += n;
        len -= (size_t)n;
    }
}

void gw_log_event(gw_log_level level, const char *msg, json_t *fields)
{
    char ts[48];
    char stack_buf[2048];
    json_t *event;
    size_t len;

    if (!gw_log_enabled(level)) {
        json_decref(fields);
        return;
    }

    format_timestamp(ts, sizeof ts);
    event = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_name(level), "msg", msg);
    if (!event) {
        json_decref(fields);
        return;
    }
    if (fields)
        json_object_update(event, fields);
    json_decref(fields);

    /* Lines fit the stack buffer almost always; fall back to the heap. */
    len = json_dumpb(event, stack_buf, sizeof stack_buf - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (len > 0 && len < sizeof stack_buf - 1) {
        stack_buf[len++] = '\n';
        write_all(stack_buf, len);
    } else if (len > 0) {
        char *heap = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);

        if (heap) {
            size_t heap_len = strlen(heap);

            write_all(heap, heap_len);
            write_all("\n", 1);
            free(heap);
        }
    }
    json_decref(event);
}

void gw_log_msg(gw_log_level level, const char *msg, const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    if (!gw_log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    gw_log_event(level, msg, json_pack("{s:s}", "detail", detail));
}
