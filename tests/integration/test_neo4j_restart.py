"""Neo4j stops and comes back: the gateway answers 503 quickly while it is
down, never 500, and recovers by itself."""

import os
import subprocess
import time

import pytest

import gateway_harness as h

NEO4J_SH = os.path.join(h.ROOT, "scripts", "neo4j.sh")


def neo4j(command):
    env = dict(os.environ, NEO4J_PASSWORD=h.NEO4J_PASSWORD)
    subprocess.run([NEO4J_SH, command, os.environ["NEO4J_TEST_DIR"]], env=env, check=True, timeout=300,
                   stdout=subprocess.DEVNULL)


@pytest.mark.skipif("NEO4J_TEST_DIR" not in os.environ, reason="needs the Neo4j instance of run.sh")
def test_neo4j_down_and_back(start_gateway):
    gw = start_gateway("restart", overrides={"neo4j.connect_timeout_ms": 1000})
    token = gw.token("reader")
    # Warm every pooled connection, so the restart leaves dead kept-alive ones.
    for _ in range(10):
        assert gw.query("RETURN 1 AS ok", token=token).status == 200

    neo4j("stop")
    try:
        started = time.monotonic()
        resp = gw.query("RETURN 1 AS ok", token=token)
        assert time.monotonic() - started < 3
        assert resp.status == 503, resp.body
        assert resp.error_code() == "neo4j_unavailable"
        assert resp.header("Retry-After") == "1"
        ready = h.request(gw.url, "GET", "/ready")
        assert ready.status == 503
        assert h.request(gw.url, "GET", "/health").status == 200
    finally:
        neo4j("start")

    # scripts/neo4j.sh returns once Neo4j answers; the gateway must follow
    # within 2 s, and the first request after the restart must not be a 500.
    deadline = time.monotonic() + 2
    statuses = []
    while True:
        resp = gw.query("RETURN 1 AS ok", token=token)
        statuses.append(resp.status)
        if resp.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert statuses[-1] == 200, statuses
    assert all(s in (200, 503) for s in statuses), statuses
    assert h.request(gw.url, "GET", "/ready").status == 200
    # Every pooled connection recovers, not just the first one.
    for _ in range(20):
        assert gw.query("RETURN 1 AS ok", token=token).status == 200
