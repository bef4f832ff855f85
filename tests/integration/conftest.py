"""Fixtures for the integration suite: a real Neo4j (started by run.sh)
and gateway daemons started per module."""

import os

import pytest

import gateway_harness as h


@pytest.fixture(scope="session", autouse=True)
def neo4j_ready():
    if not h.NEO4J_PASSWORD:
        pytest.exit("NEO4J_TEST_PASSWORD is not set; run the suite through tests/integration/run.sh", 2)
    assert h.node_count() == 171, "the test database must hold exactly the movies graph"
    yield
    # Writes in tests clean up after themselves; the graph must be intact.
    assert h.node_count() == 171
    assert_logs_hold_no_secret()


def assert_logs_hold_no_secret():
    """Fail when any value in h.SECRETS (passwords, keys, client secrets,
    tokens) appears in any gateway log written during the run."""
    leaks = []
    for name in sorted(os.listdir(h.LOG_DIR)):
        with open(os.path.join(h.LOG_DIR, name), "rb") as f:
            text = f.read().decode(errors="replace")
        for secret in h.SECRETS:
            if secret and secret in text:
                leaks.append(f"{name}: a secret of {len(secret)} characters appears")
        # Statement parameters are never logged either.
        if "Tom Hanks" in text:
            leaks.append(f"{name}: a parameter value appears")
    assert not leaks, "\n".join(leaks)


@pytest.fixture(scope="module")
def gateway():
    gw = h.Gateway("main").start()
    yield gw
    code = gw.stop()
    assert code == 0, gw.log()
    assert_sanitizer_clean(gw.log())


def assert_sanitizer_clean(log):
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert marker not in log, f"sanitizer report in gateway log:\n{log[-4000:]}"


@pytest.fixture
def start_gateway():
    """Start extra daemons with other settings; stopped after the test."""
    started = []

    def start(name, **kwargs):
        gw = h.Gateway(name, **kwargs).start()
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
        assert_sanitizer_clean(gw.log())
