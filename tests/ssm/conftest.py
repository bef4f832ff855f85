"""Fixtures for the SSM suite: one moto server with authentication on for
the session, and per-test proxies, listeners and daemons on loopback."""

import os

import pytest

import ssm_harness as h


def pytest_collection_modifyitems(session, config, items):
    """Run tests marked `scan_last` after every other test, so the log scan
    reads the logs of every daemon the session started."""
    last = [item for item in items if item.get_closest_marker("scan_last")]
    items[:] = [item for item in items if not item.get_closest_marker("scan_last")] + last


def pytest_configure(config):
    config.addinivalue_line("markers", "scan_last: run after every other test of the session")


@pytest.fixture(scope="session")
def moto():
    if not os.access(h.BINARY, os.X_OK):
        pytest.exit(f"{h.BINARY} is missing; run 'make' or set GATEWAY_BINARY", 2)
    server = h.Moto().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def user_keys(moto):
    """An IAM user allowed ssm:GetParameters, for the environment step of
    the credentials chain; shared by every test module."""
    return moto.create_user("gateway")


@pytest.fixture
def servers():
    """Starts proxies, endpoints and listeners; stops them after the test."""
    started = []

    def add(server):
        started.append(server)
        return server

    yield add
    for server in started:
        server.stop()


@pytest.fixture
def daemons():
    """Creates daemons; stops any still running after the test."""
    created = []

    def create(*args, **kwargs):
        daemon = h.Daemon(*args, **kwargs)
        created.append(daemon)
        return daemon

    yield create
    for daemon in created:
        daemon.stop()
