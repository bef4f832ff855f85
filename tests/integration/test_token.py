"""POST /token: the OAuth 2.0 client-credentials grant (RFC 6749 4.4)."""

import base64
import json

import gateway_harness as h


def test_token_issued_with_basic(gateway):
    resp = gateway.token_request("writer", gateway.clients["writer"])
    assert resp.status == 200
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["access_token"].count(".") == 2
    assert resp.header("Cache-Control") == "no-store"
    h.SECRETS.add(body["access_token"])


def test_token_claims(gateway):
    token = gateway.token("reader")
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256"
    assert payload["sub"] == "reader"
    assert payload["iss"] == h.ISSUER
    assert payload["aud"] == h.AUDIENCE
    assert payload["db"] == ["neo4j"]
    assert payload["mode"] == "read"
    assert payload["exp"] > payload["iat"]
    assert payload["nbf"] == payload["iat"]
    assert payload["jti"]


def test_token_with_form_credentials(gateway):
    secret = gateway.clients["writer"]
    body = f"grant_type=client_credentials&client_id=writer&client_secret={secret}"
    resp = h.request(gateway.url, "POST", "/token", body,
                     [("Content-Type", "application/x-www-form-urlencoded")])
    assert resp.status == 200, resp.body


def test_token_wrong_secret(gateway):
    resp = gateway.token_request("writer", "not-the-secret")
    assert resp.status == 401
    assert resp.json()["error"] == "invalid_client"
    assert resp.header("WWW-Authenticate").startswith("Basic")


def test_token_unknown_client_same_answer(gateway):
    wrong_secret = gateway.token_request("writer", "not-the-secret")
    unknown = gateway.token_request("nobody", "not-the-secret")
    assert unknown.status == 401
    # No client enumeration: the bodies are identical.
    assert unknown.json()["error_description"] == wrong_secret.json()["error_description"]


def test_token_no_credentials(gateway):
    resp = h.request(gateway.url, "POST", "/token", "grant_type=client_credentials",
                     [("Content-Type", "application/x-www-form-urlencoded")])
    assert resp.status == 401
    assert resp.json()["error"] == "invalid_client"


def test_token_unsupported_grant(gateway):
    resp = gateway.token_request("writer", gateway.clients["writer"], body="grant_type=password")
    assert resp.status == 400
    assert resp.json()["error"] == "unsupported_grant_type"


def test_token_missing_grant(gateway):
    resp = gateway.token_request("writer", gateway.clients["writer"], body="scope=x")
    assert resp.status == 400
    assert resp.json()["error"] == "invalid_request"


def test_token_wrong_content_type(gateway):
    basic = base64.b64encode(f"writer:{gateway.clients['writer']}".encode()).decode()
    resp = h.request(gateway.url, "POST", "/token", '{"grant_type":"client_credentials"}',
                     [("Authorization", f"Basic {basic}"), ("Content-Type", "application/json")])
    assert resp.status == 400
    assert resp.json()["error"] == "invalid_request"


def test_token_two_auth_methods(gateway):
    secret = gateway.clients["writer"]
    resp = gateway.token_request("writer", secret,
                                 body=f"grant_type=client_credentials&client_id=writer&client_secret={secret}")
    assert resp.status == 400
    assert resp.json()["error"] == "invalid_request"


def test_token_get_not_allowed(gateway):
    resp = h.request(gateway.url, "GET", "/token")
    assert resp.status == 405
    assert resp.header("Allow") == "POST"
    assert resp.error_code() == "method_not_allowed"
