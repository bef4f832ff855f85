"""Measure cypher-gateway startup with secrets from SSM (moto on loopback,
signature checking on) against startup with env: secrets.

Usage: .cache/venv-test/bin/python tests/ssm/measure_startup.py [RUNS]
with GATEWAY_BINARY set as for the test suite. Prints the median, minimum
and maximum of the daemon's own startup_ms ("listening" event) and of the
SSM fetch time ("ssm parameters fetched" latency_us). Neo4j is not needed:
the daemon does not contact it during startup.
"""

import statistics
import sys

import ssm_harness as h


def summary(values):
    return f"median {statistics.median(values):.1f}, min {min(values):.1f}, max {max(values):.1f}"


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    moto = h.Moto().start()
    try:
        keys = moto.create_user("measure")
        env_keys = {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]}
        secret_hash = h.gen_client()[1]
        password = h.random_secret("neo4j")
        signing_key = h.random_secret("jwt-signing-key")
        moto.put("/measure/neo4j-password", password)
        moto.put("/measure/jwt-signing-key", signing_key)
        moto.put("/measure/client-app-secret-hash", secret_hash)
        ssm = {"region": h.REGION, "endpoint": moto.url}

        results = {"ssm": [], "env": [], "fetch": []}
        for _ in range(runs):
            gw = h.Daemon("measure-ssm", "http://127.0.0.1:9", "ssm:/measure/neo4j-password",
                          "ssm:/measure/jwt-signing-key", [("app", "ssm:/measure/client-app-secret-hash")], ssm,
                          env_keys).start()
            results["ssm"].append(gw.events("listening")[0]["startup_ms"])
            results["fetch"].append(gw.events("ssm parameters fetched")[0]["latency_us"] / 1000.0)
            gw.stop()

            gw = h.Daemon("measure-env", "http://127.0.0.1:9", "env:NEO4J_PASSWORD", "env:JWT_SIGNING_KEY",
                          [("app", "env:APP_HASH")], ssm, {"NEO4J_PASSWORD": password,
                                                          "JWT_SIGNING_KEY": signing_key,
                                                          "APP_HASH": secret_hash}).start()
            results["env"].append(gw.events("listening")[0]["startup_ms"])
            gw.stop()
    finally:
        moto.stop()

    print(f"binary: {h.BINARY}, {runs} runs each")
    print(f"startup_ms with ssm: secrets: {summary(results['ssm'])}")
    print(f"startup_ms with env: secrets: {summary(results['env'])}")
    print(f"ssm fetch ms (1 GetParameters, 3 names): {summary(results['fetch'])}")


if __name__ == "__main__":
    main()
