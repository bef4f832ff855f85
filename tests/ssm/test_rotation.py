"""Password rotation: the Neo4j password changes in Neo4j and in SSM, and
requests keep succeeding, with SIGHUP and without it (the 401 path)."""

import base64
import json
import secrets

import pytest

import ssm_harness as h
from test_ssm_secrets import Stored, key_env, make_daemon, needs_neo4j


def neo4j_admin(statement, parameters=None):
    """Runs an administration command on the test Neo4j as user neo4j."""
    auth = base64.b64encode(f"neo4j:{h.NEO4J_PASSWORD}".encode()).decode()
    body = json.dumps({"statement": statement, "parameters": parameters or {}})
    import http.client
    import urllib.parse
    url = urllib.parse.urlparse(h.NEO4J_URL)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", "/db/system/query/v2", body,
                     {"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == 202, data
    finally:
        conn.close()


@pytest.fixture
def rotating_user():
    """A Neo4j user of its own, so rotating its password disturbs no other test."""
    name = "rotation_" + secrets.token_hex(4)
    password = h.random_secret("rotation-1")
    neo4j_admin(f"CREATE USER {name} SET PASSWORD $p CHANGE NOT REQUIRED", {"p": password})
    yield name, password
    neo4j_admin(f"DROP USER {name} IF EXISTS")


def use_user(daemon, user):
    with open(daemon.config_path) as f:
        text = f.read()
    with open(daemon.config_path, "w") as f:
        f.write(text.replace("  user: neo4j\n", f"  user: {user}\n"))


def rotate(moto, stored, user, label):
    password = h.random_secret(label)
    neo4j_admin(f"ALTER USER {user} SET PASSWORD $p CHANGE NOT REQUIRED", {"p": password})
    moto.put(f"{stored.prefix}/neo4j-password", password)
    return password


@needs_neo4j
def test_rotation_with_sighup_and_401(moto, user_keys, servers, daemons, rotating_user):
    user, first_password = rotating_user
    stored = Stored(moto, "/cypher-gateway/rotation", neo4j_password=first_password)
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "rotation", stored, key_env(user_keys), proxy.url, h.NEO4J_URL)
    use_user(gw, user)
    gw.start()
    token = gw.token("app", stored.client_secret)
    status, body = gw.query(token, "MATCH (n) RETURN count(n) AS n")
    assert status == 200, body

    # Rotation announced with SIGHUP.
    rotate(moto, stored, user, "rotation-2")
    assert gw.sighup_and_wait() == "reload complete"
    status, body = gw.query(token, "MATCH (n) RETURN count(n) AS n")
    assert status == 200, body

    # Rotation without SIGHUP: Neo4j responds 401, the gateway re-reads its
    # secrets once and sends the request again.
    rotate(moto, stored, user, "rotation-3")
    status, body = gw.query(token, "MATCH (n) RETURN count(n) AS n")
    assert status == 200, body
    assert body["data"]["values"] == [[171]]
    assert gw.events("credential refresh complete")
    assert gw.events("retrying with refreshed Neo4j credentials")
    # Later requests use the new password directly.
    status, _ = gw.query(token, "RETURN 1 AS ok")
    assert status == 200
    assert len(gw.events("credential refresh complete")) == 1
    assert gw.stop() == 0
