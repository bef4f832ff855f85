"""Startup with secrets from SSM Parameter Store, against moto with request
signature checking on, through a fault-injecting proxy on loopback."""

import json
import os
import time

import pytest

import ssm_harness as h

needs_neo4j = pytest.mark.skipif(not h.NEO4J_URL or not h.NEO4J_PASSWORD,
                                 reason="NEO4J_TEST_URL and NEO4J_TEST_PASSWORD are not set")

# Cached container credentials are fetched again this long before they expire
# (GW_AWS_CREDENTIALS_REFRESH_S).
REFRESH_S = 300

# Worst-case total backoff of the default retry settings (8 attempts, 100 ms
# base, 5000 ms cap): 100 + 200 + 400 + 800 + 1600 + 3200 + 5000 ms.
DEFAULT_BUDGET_S = 11.3


class Stored:
    """The secrets of one test, stored under `prefix` in moto."""

    def __init__(self, moto, prefix, neo4j_password=None, skip=()):
        self.prefix = prefix
        self.neo4j_password = neo4j_password or h.random_secret("neo4j")
        h.SECRETS.add(self.neo4j_password)
        self.signing_key = h.random_secret("jwt-signing-key")
        self.client_secret, self.client_hash = h.gen_client()
        self.values = {
            f"{prefix}/neo4j-password": self.neo4j_password,
            f"{prefix}/jwt-signing-key": self.signing_key,
            f"{prefix}/clients/app/secret-hash": self.client_hash,
        }
        for name, value in self.values.items():
            if name.rsplit("/", 1)[-1] not in skip:
                moto.put(name, value)


def key_env(keys):
    return {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]}


def make_daemon(daemons, name, stored, env, endpoint, neo4j_url, ssm_extra=None, clients=None):
    ssm = {"region": h.REGION, "endpoint": endpoint}
    ssm.update(ssm_extra or {})
    return daemons(name, neo4j_url, f"ssm:{stored.prefix}/neo4j-password", f"ssm:{stored.prefix}/jwt-signing-key",
                   clients or [("app", f"ssm:{stored.prefix}/clients/app/secret-hash")], ssm, env)


def error_line(daemon):
    """The plain-text error the daemon prints to stderr before exiting."""
    lines = [line for line in daemon.log().splitlines() if line.startswith("cypher-gateway: ")]
    assert lines, daemon.log()[-3000:]
    return lines[-1]


def retry_events(daemon):
    return daemon.events("ssm request failed, retrying")


# ---- success --------------------------------------------------------------


@needs_neo4j
def test_all_parameters_present(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/present", neo4j_password=h.NEO4J_PASSWORD)
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "present", stored, key_env(user_keys), proxy.url, h.NEO4J_URL).start()

    token = gw.token("app", stored.client_secret)
    status, body = gw.query(token, "MATCH (n) RETURN count(n) AS n")
    assert status == 200, body
    assert body["data"]["values"] == [[171]]

    fetched = gw.events("ssm parameters fetched")
    assert len(fetched) == 1
    assert sorted(fetched[0]["parameters"]) == sorted(stored.values)
    assert fetched[0]["attempts"] == 1
    assert fetched[0]["batches"] == 1
    assert len(proxy.requests) == 1
    assert proxy.requests[0]["target"] == "AmazonSSM.GetParameters"
    assert proxy.requests[0]["signed"]
    assert gw.stop() == 0

    # The startup time with SSM on loopback, for the design notes.
    listening = gw.events("listening")[0]
    with open(os.path.join(h.LOG_DIR, "ssm-startup-timing.json"), "w") as f:
        json.dump({"binary": h.BINARY, "startup_ms": listening["startup_ms"],
                   "ssm_fetch_us": fetched[0]["latency_us"]}, f)


def test_batches_of_at_most_ten(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/batches")
    clients = [("app", f"ssm:{stored.prefix}/clients/app/secret-hash")]
    for i in range(12):
        name = f"{stored.prefix}/clients/c{i:02d}/secret-hash"
        moto.put(name, h.gen_client()[1])
        clients.append((f"c{i:02d}", f"ssm:{name}"))
    # A second client on the same parameter must not request it twice.
    clients.append(("shared", f"ssm:{stored.prefix}/clients/c00/secret-hash"))
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "batches", stored, key_env(user_keys), proxy.url, "http://127.0.0.1:9",
                     clients=clients)

    code, _ = gw.run(["--check-config"])
    assert code == 0, gw.log()[-3000:]
    assert "configuration is valid (14 clients)" in gw.log()
    sizes = [len(r["names"]) for r in proxy.requests]
    assert sizes == [10, 5]
    requested = [name for r in proxy.requests for name in r["names"]]
    assert len(set(requested)) == 15


def test_no_ssm_reference_needs_no_aws(servers, daemons, moto, tmp_path):
    proxy = servers(h.FaultProxy(moto))
    secret, secret_hash = h.gen_client()
    env = {"NEO4J_PASSWORD": h.random_secret("neo4j"), "JWT_SIGNING_KEY": h.random_secret("jwt-signing-key"),
           "APP_HASH": secret_hash}
    gw = daemons("env-only", "http://127.0.0.1:9", "env:NEO4J_PASSWORD", "env:JWT_SIGNING_KEY",
                 [("app", "env:APP_HASH")], {"region": h.REGION, "endpoint": proxy.url}, env)

    code, _ = gw.run(["--check-config"])
    assert code == 0, gw.log()[-3000:]
    assert proxy.requests == []
    assert gw.events("ssm parameters fetched") == []


# ---- missing, empty and rejected ------------------------------------------


def test_missing_parameter_is_named(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/missing", skip=("jwt-signing-key",))
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "missing", stored, key_env(user_keys), proxy.url, "http://127.0.0.1:9")

    code, seconds = gw.run(timeout=60)
    assert code != 0
    assert seconds < 10
    line = error_line(gw)
    assert f"SSM parameter {stored.prefix}/jwt-signing-key (jwt.signing_key) was not found" in line
    assert "neo4j-password" not in line
    assert "secret-hash" not in line
    assert len(proxy.requests) == 1
    assert gw.events("listening") == []
    missing = gw.events("ssm parameter not found")
    assert [(e["parameter"], e["config_keys"]) for e in missing] == [
        (f"{stored.prefix}/jwt-signing-key", ["jwt.signing_key"])]


def test_empty_parameter_never_reaches_neo4j(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/empty")
    recorder = servers(h.ConnectionRecorder())
    # SSM itself rejects an empty value, so the proxy blanks it in
    # the response, as a misbehaving endpoint could.
    proxy = servers(h.FaultProxy(moto, blank=[f"{stored.prefix}/neo4j-password"]))
    gw = make_daemon(daemons, "empty", stored, key_env(user_keys), proxy.url, recorder.url)

    code, _ = gw.run(timeout=60)
    assert code != 0
    line = error_line(gw)
    assert f"SSM parameter {stored.prefix}/neo4j-password (neo4j.password) is empty" in line
    time.sleep(0.2)
    assert recorder.connections == 0


def test_wrong_secret_key_rejected(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/wrong-key")
    proxy = servers(h.FaultProxy(moto))
    env = {"AWS_ACCESS_KEY_ID": user_keys[0], "AWS_SECRET_ACCESS_KEY": h.random_secret("wrong-secret-key")}
    gw = make_daemon(daemons, "wrong-key", stored, env, proxy.url, "http://127.0.0.1:9")

    code, seconds = gw.run(timeout=60)
    assert code != 0
    assert seconds < 10
    line = error_line(gw)
    assert "AWS rejected the request signature (SignatureDoesNotMatch" in line
    assert "check the secret access key from the environment" in line
    # A bad signature is not retried.
    assert len(proxy.requests) == 1
    assert retry_events(gw) == []


def test_unknown_access_key_rejected(moto, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/unknown-key")
    proxy = servers(h.FaultProxy(moto))
    env = {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000000", "AWS_SECRET_ACCESS_KEY": h.random_secret("unknown-key")}
    gw = make_daemon(daemons, "unknown-key", stored, env, proxy.url, "http://127.0.0.1:9")

    code, _ = gw.run(timeout=60)
    assert code != 0
    line = error_line(gw)
    assert "AWS rejected the request signature: it does not recognise the access key id" in line
    assert "InvalidClientTokenId" in line


def test_access_denied_names_action(moto, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/denied")
    keys = moto.create_user("no-ssm-access", allow_get_parameters=False)
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "denied", stored, key_env(keys), proxy.url, "http://127.0.0.1:9")

    code, _ = gw.run(timeout=60)
    assert code != 0
    line = error_line(gw)
    assert "AWS denied ssm:GetParameters (AccessDenied, region eu-west-1)" in line
    assert "kms:Decrypt on their KMS key: /cypher-gateway/denied/neo4j-password" in line
    assert len(proxy.requests) == 1


def test_no_credentials_message(moto, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/no-credentials")
    proxy = servers(h.FaultProxy(moto))
    gw = make_daemon(daemons, "no-credentials", stored, {}, proxy.url, "http://127.0.0.1:9")

    code, _ = gw.run(timeout=60)
    assert code != 0
    assert "no AWS credentials found" in error_line(gw)
    assert proxy.requests == []


# ---- container credentials ------------------------------------------------


def test_container_credentials_refresh(moto, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/container")
    role = moto.create_task_role("gateway-task-refresh")
    token = h.random_secret("container-token")
    # Expiration 8 s past the refresh window: cached at first, stale 8 s later.
    endpoint = servers(h.CredentialsEndpoint(moto, role, token, ttl_s=REFRESH_S + 8))
    proxy = servers(h.FaultProxy(moto))
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    gw = make_daemon(daemons, "container", stored, env, proxy.url, "http://127.0.0.1:9").start()

    assert len(endpoint.calls) == 1
    first_fetch = endpoint.calls[0]

    assert gw.sighup_and_wait() == "reload complete"
    assert time.monotonic() - first_fetch < 7, "the first reload came too late to show the cache"
    assert len(endpoint.calls) == 1

    time.sleep(max(0.0, first_fetch + 9 - time.monotonic()))
    assert gw.sighup_and_wait() == "reload complete"
    assert len(endpoint.calls) == 2
    assert endpoint.key_ids[0] != endpoint.key_ids[1]

    assert len(gw.events("aws credentials fetched")) == 2
    assert len(gw.events("ssm parameters fetched")) == 3
    assert len(proxy.requests) == 3
    assert gw.stop() == 0


def test_container_token_file(moto, servers, daemons, tmp_path):
    stored = Stored(moto, "/cypher-gateway/token-file")
    role = moto.create_task_role("gateway-task-token-file")
    token = h.random_secret("container-token-file")
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    endpoint = servers(h.CredentialsEndpoint(moto, role, token))
    proxy = servers(h.FaultProxy(moto))
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-the-file-is-set"}
    gw = make_daemon(daemons, "token-file", stored, env, proxy.url, "http://127.0.0.1:9")

    code, _ = gw.run(["--check-config"])
    assert code == 0, gw.log()[-3000:]
    assert len(endpoint.calls) == 1
    assert endpoint.rejected == 0


def test_container_wrong_token(moto, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/wrong-token")
    role = moto.create_task_role("gateway-task-wrong-token")
    endpoint = servers(h.CredentialsEndpoint(moto, role, h.random_secret("container-token")))
    proxy = servers(h.FaultProxy(moto))
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": h.random_secret("wrong-container-token")}
    gw = make_daemon(daemons, "wrong-token", stored, env, proxy.url, "http://127.0.0.1:9")

    code, seconds = gw.run(timeout=60)
    assert code != 0
    assert seconds < 10
    line = error_line(gw)
    assert f"the container credentials endpoint {endpoint.url} returned HTTP 401" in line
    assert endpoint.rejected == 1
    assert proxy.requests == []


# ---- retries --------------------------------------------------------------


def test_three_throttles_then_start(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/throttle-3")
    proxy = servers(h.FaultProxy(moto, faults=["throttle"] * 3))
    gw = make_daemon(daemons, "throttle-3", stored, key_env(user_keys), proxy.url, "http://127.0.0.1:9").start()

    retries = retry_events(gw)
    assert [e["attempt"] for e in retries] == [1, 2, 3]
    assert [e["aws_request_id"] for e in retries] == ["throttle-1", "throttle-2", "throttle-3"]
    assert {e["code"] for e in retries} == {"ThrottlingException"}
    assert {e["max_attempts"] for e in retries} == {8}
    for i, event in enumerate(retries):
        assert 0 <= event["delay_ms"] <= 100 * 2 ** i
    assert gw.events("ssm parameters fetched")[0]["attempts"] == 4
    assert len(proxy.requests) == 4
    assert gw.stop() == 0


def test_twenty_throttles_exhaust_budget(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/throttle-20")
    proxy = servers(h.FaultProxy(moto, faults=["throttle"] * 20))
    gw = make_daemon(daemons, "throttle-20", stored, key_env(user_keys), proxy.url, "http://127.0.0.1:9")

    code, seconds = gw.run(timeout=120)
    assert code != 0
    # The backoff budget, plus time for 8 requests and the (sanitizer) startup.
    assert seconds < DEFAULT_BUDGET_S + 15
    assert len(proxy.requests) == 8
    assert [e["attempt"] for e in retry_events(gw)] == [1, 2, 3, 4, 5, 6, 7]
    line = error_line(gw)
    assert "SSM GetParameters failed after 8 attempts" in line
    assert "ThrottlingException (HTTP 400, request id throttle-8)" in line
    assert "ssm.max_attempts" in line


def test_server_errors_retried(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/server-errors")
    proxy = servers(h.FaultProxy(moto, faults=[503, 500, 429]))
    gw = make_daemon(daemons, "server-errors", stored, key_env(user_keys), proxy.url, "http://127.0.0.1:9",
                     ssm_extra={"base_delay_ms": 10, "max_delay_ms": 50})

    code, _ = gw.run(["--check-config"])
    assert code == 0, gw.log()[-3000:]
    retries = retry_events(gw)
    assert [e["status"] for e in retries] == [503, 500, 429]
    assert [e["error"] for e in retries] == ["AWS returned a server error", "AWS returned a server error",
                                             "AWS throttled the request"]


def test_connection_refused_retried_then_fails(moto, user_keys, servers, daemons):
    stored = Stored(moto, "/cypher-gateway/refused")
    closed = h.free_port()
    gw = make_daemon(daemons, "refused", stored, key_env(user_keys), f"http://127.0.0.1:{closed}",
                     "http://127.0.0.1:9", ssm_extra={"max_attempts": 3, "base_delay_ms": 10, "max_delay_ms": 20})

    code, _ = gw.run(timeout=60)
    assert code != 0
    assert [e["code"] for e in retry_events(gw)] == ["connection", "connection"]
    assert "SSM GetParameters failed after 3 attempts" in error_line(gw)


# ---- the log scan ---------------------------------------------------------


@pytest.mark.scan_last
def test_logs_hold_no_secret():
    if not h.LOG_FILES:
        pytest.skip("no daemon ran in this session")
    leaks = h.scan_logs(h.LOG_FILES)
    assert not leaks, "\n".join(leaks)
