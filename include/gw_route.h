/*
 * gw_route.h - matching of request method and path to a route.
 *
 * Pure. The path must be the decoded path without the query string, as
 * libmicrohttpd passes it.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include "gw_config.h"
#include "gw_error.h"

typedef enum gw_route_id {
    GW_ROUTE_NONE = 0,
    GW_ROUTE_TOKEN = 1,
    GW_ROUTE_QUERY = 2,
    GW_ROUTE_DB_QUERY = 3,
    GW_ROUTE_HEALTH = 4,
    GW_ROUTE_READY = 5
} gw_route_id;

typedef struct gw_route {
    gw_route_id id;
    const char *name;   /* static route template for logs, e.g. "/db/{database}/query/v2" */
    const char *allow;  /* static Allow header value for 405 answers */
    char database[GW_DB_NAME_MAX + 1]; /* from the path on GW_ROUTE_DB_QUERY */
} gw_route;

/* Matches `method` and `path`. Returns GW_OK, GW_ERR_NOT_FOUND,
 * GW_ERR_METHOD_NOT_ALLOWED (route->allow is then set) or
 * GW_ERR_INVALID_REQUEST for a database name that is not valid. */
gw_err gw_route_match(const char *method, const char *path, gw_route *route);

#endif
