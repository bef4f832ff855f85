"""Configurable request limits and /token attempt limits."""

import json

import gateway_harness as h


def test_statement_too_long(start_gateway):
    gw = start_gateway("limits", overrides={"limits.max_statement_bytes": 100, "limits.max_parameter_depth": 3,
                                            "limits.max_bookmarks": 2})
    token = gw.token()
    resp = gw.query("RETURN 1 AS x // " + "x" * 200, token=token)
    assert resp.status == 413
    assert resp.error_code() == "statement_too_long"

    resp = gw.query("RETURN $p AS p", {"p": [[1]]}, token=token)
    assert resp.status == 200, resp.body
    resp = gw.query("RETURN $p AS p", {"p": [[[1]]]}, token=token)
    assert resp.status == 400
    assert resp.error_code() == "parameters_too_deep"

    resp = gw.query("RETURN 1", token=token, extra={"bookmarks": ["a", "b", "c"]})
    assert resp.status == 400
    assert resp.error_code() == "too_many_bookmarks"


def test_deep_parameters_default_limit(gateway):
    deep = 1
    for _ in range(40):
        deep = [deep]
    resp = gateway.query("RETURN 1", {"p": deep}, token=gateway.token())
    assert resp.status == 400
    assert resp.error_code() == "parameters_too_deep"


def test_token_failures_rate_limited(start_gateway):
    gw = start_gateway("ratelimit", overrides={"limits.token_failures_per_client": 3,
                                               "limits.token_failures_per_address": 1000})
    for _ in range(3):
        assert gw.token_request("writer", "wrong").status == 401
    blocked = gw.token_request("writer", gw.clients["writer"])
    assert blocked.status == 429
    assert blocked.json()["error"] == "rate_limited"
    assert int(blocked.header("Retry-After")) > 0
    # Another client is not affected.
    assert gw.token_request("reader", gw.clients["reader"]).status == 200
    # Unknown ids are limited the same way, so the responses reveal nothing.
    for _ in range(3):
        assert gw.token_request("nobody", "wrong").status == 401
    assert gw.token_request("nobody", "wrong").status == 429


def test_token_failures_per_address(start_gateway):
    gw = start_gateway("ratelimit-address", overrides={"limits.token_failures_per_client": 1000,
                                                       "limits.token_failures_per_address": 4})
    for i in range(4):
        assert gw.token_request(f"guess{i}", "wrong").status == 401
    assert gw.token_request("writer", gw.clients["writer"]).status == 429


def test_many_connections_within_limit(start_gateway):
    gw = start_gateway("conns", overrides={"server.max_connections": 8})
    import socket
    sockets = [socket.create_connection(("127.0.0.1", gw.port)) for _ in range(12)]
    try:
        # Connections past the limit are closed; the gateway keeps serving.
        for s in sockets:
            s.close()
        assert h.request(gw.url, "GET", "/health").status == 200
    finally:
        for s in sockets:
            s.close()


def test_slow_client_is_dropped(start_gateway):
    gw = start_gateway("slowloris", overrides={"server.connection_timeout_s": 2, "server.threads": 2,
                                               "neo4j.pool_size": 2})
    import socket
    import time
    # Half-sent requests on more connections than there are threads.
    slow = []
    for _ in range(6):
        s = socket.create_connection(("127.0.0.1", gw.port))
        s.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    try:
        resp = h.request(gw.url, "GET", "/health", timeout=5)
        assert resp.status == 200
        time.sleep(3)
        # Idle half-open connections were closed by the server.
        for s in slow:
            s.settimeout(2)
            assert s.recv(1024) == b""
    finally:
        for s in slow:
            s.close()
