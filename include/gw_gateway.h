/*
 * gw_gateway.h - the running gateway: HTTP server, current runtime and the
 * Neo4j pool.
 *
 * Ownership: gw_gateway_start takes ownership of `runtime` (one reference)
 * and `pool`. gw_gateway_stop drains, stops the server and frees all of it.
 */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <pthread.h>

#include "gw_error.h"
#include "gw_neo4j.h"
#include "gw_runtime.h"

typedef struct gw_gateway gw_gateway;

/* Starts listening with the settings of `runtime->config`. */
gw_err gw_gateway_start(gw_runtime *runtime, gw_neo4j_pool *pool, gw_gateway **out, gw_error_detail *err);

/* Replaces the runtime (takes ownership of `runtime`). Requests already
 * running finish on the old one. Also updates the Neo4j credentials. */
gw_err gw_gateway_swap_runtime(gw_gateway *gateway, gw_runtime *runtime);

/* Sets the function that re-reads secrets when Neo4j rejects the gateway's
 * password; it must swap in a new runtime and return 0 on success. */
void gw_gateway_set_credentials_refresher(gw_gateway *gateway, int (*refresh)(void *ctx), void *ctx);

/* Returns a new reference to the current runtime. */
gw_runtime *gw_gateway_runtime(gw_gateway *gateway);

/* Stops accepting connections, waits up to `drain_s` seconds for requests
 * in flight, then stops and frees everything. Returns the number of
 * requests still running when the drain time ran out. */
long gw_gateway_stop(gw_gateway *gateway, int drain_s);

#endif
