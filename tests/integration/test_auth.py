"""Bearer token middleware on /query (RFC 6750), with forged tokens."""

import time

import gateway_harness as h

COUNT = "MATCH (n) RETURN count(n) AS n"


def assert_invalid_token(resp):
    assert resp.status == 401, resp.body
    assert resp.error_code() == "invalid_token"
    assert 'error="invalid_token"' in resp.header("WWW-Authenticate")


def test_no_token(gateway):
    resp = gateway.query(COUNT)
    assert_invalid_token(resp)
    assert resp.header("WWW-Authenticate").startswith("Bearer")


def test_valid_token(gateway):
    resp = gateway.query(COUNT, token=gateway.token())
    assert resp.status == 200
    assert resp.json()["data"]["values"] == [[171]]


def test_tampered_signature(gateway):
    token = gateway.token()
    head, body, sig = token.split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert_invalid_token(gateway.query(COUNT, token=f"{head}.{body}.{flipped}"))


def test_tampered_payload(gateway):
    token = gateway.token("reader")
    head, _, sig = token.split(".")
    forged_body = gateway.forge({"mode": "write", "sub": "reader"}).split(".")[1]
    assert_invalid_token(gateway.query(COUNT, token=f"{head}.{forged_body}.{sig}"))


def test_other_key(gateway):
    assert_invalid_token(gateway.query(COUNT, token=gateway.forge(key=b"k" * 48)))


def test_expired(gateway):
    now = int(time.time())
    token = gateway.forge({"iat": now - 600, "nbf": now - 600, "exp": now - 120})
    resp = gateway.query(COUNT, token=token)
    assert_invalid_token(resp)
    assert "expired" in resp.json()["errors"][0]["message"]


def test_wrong_alg_header(gateway):
    token = gateway.forge(header={"alg": "HS512", "typ": "JWT"})
    assert_invalid_token(gateway.query(COUNT, token=token))


def test_alg_none(gateway):
    token = gateway.forge(header={"alg": "none", "typ": "JWT"})
    head, body, _ = token.split(".")
    assert_invalid_token(gateway.query(COUNT, token=f"{head}.{body}."))


def test_missing_exp(gateway):
    assert_invalid_token(gateway.query(COUNT, token=gateway.forge(drop=("exp",))))


def test_nbf_within_leeway(gateway):
    now = int(time.time())
    token = gateway.forge({"nbf": now + 20, "iat": now})
    assert gateway.query(COUNT, token=token).status == 200


def test_nbf_beyond_leeway(gateway):
    now = int(time.time())
    assert_invalid_token(gateway.query(COUNT, token=gateway.forge({"nbf": now + 120})))


def test_wrong_issuer(gateway):
    assert_invalid_token(gateway.query(COUNT, token=gateway.forge({"iss": "someone-else"})))


def test_wrong_audience(gateway):
    assert_invalid_token(gateway.query(COUNT, token=gateway.forge({"aud": "another-api"})))


def test_lowercase_scheme_and_header(gateway):
    token = gateway.token()
    resp = h.request(gateway.url, "POST", "/query", '{"statement":"RETURN 1 AS x"}',
                     [("content-type", "application/json"), ("authorization", f"bearer {token}")])
    assert resp.status == 200, resp.body


def test_bearer_without_token(gateway):
    resp = h.request(gateway.url, "POST", "/query", '{"statement":"RETURN 1 AS x"}',
                     [("Content-Type", "application/json"), ("Authorization", "Bearer")])
    assert_invalid_token(resp)


def test_two_authorization_headers(gateway):
    token = gateway.token()
    resp = h.request(gateway.url, "POST", "/query", '{"statement":"RETURN 1 AS x"}',
                     [("Content-Type", "application/json"), ("Authorization", f"Bearer {token}"),
                      ("Authorization", "Bearer x.y.z")])
    assert resp.status in (400, 401)
    assert resp.error_code() in ("invalid_request", "invalid_token")


def test_basic_scheme_rejected(gateway):
    resp = h.request(gateway.url, "POST", "/query", '{"statement":"RETURN 1 AS x"}',
                     [("Content-Type", "application/json"), ("Authorization", "Basic bmVvNGo6bmVvNGo=")])
    assert_invalid_token(resp)


def test_database_not_in_token(gateway):
    resp = gateway.query(COUNT, token=gateway.token("other-db"))
    assert resp.status == 403
    assert resp.error_code() == "insufficient_scope"
    assert 'error="insufficient_scope"' in resp.header("WWW-Authenticate")


def test_write_mode_with_read_token(gateway):
    resp = gateway.query("RETURN 1 AS x", token=gateway.token("reader"), extra={"accessMode": "write"})
    assert resp.status == 403
    assert resp.error_code() == "insufficient_scope"


def test_token_checked_before_body(gateway):
    # Only headers are sent: the 401 must come before any body byte.
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: 4194304\r\n\r\n")
    answer = h.raw_exchange(gateway.port, head.encode())
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
