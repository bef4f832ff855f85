"""tests/smoke.sh, the check users run against a deployed gateway, passes
against a local one and fails when the credentials are wrong."""

import os
import subprocess

import gateway_harness as h

SMOKE = os.path.join(h.ROOT, "tests", "smoke.sh")


def run_smoke(gateway, secret):
    env = dict(os.environ, CLIENT_ID="writer", CLIENT_SECRET=secret, SMOKE_EXPECT_MOVIES="1")
    return subprocess.run([SMOKE, gateway.url], env=env, capture_output=True, text=True, timeout=120)


def test_smoke_passes(gateway):
    result = run_smoke(gateway, gateway.clients["writer"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout


def test_smoke_fails_on_wrong_secret(gateway):
    result = run_smoke(gateway, "wrong-secret")
    assert result.returncode != 0
    assert "POST /token" in result.stderr
