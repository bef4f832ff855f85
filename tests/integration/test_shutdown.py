"""SIGTERM: stop accepting, finish requests in flight, exit 0."""

import http.client
import json
import signal
import threading
import time


MEDIUM = "UNWIND range(1, 400000) AS x RETURN count(x) AS n"


def test_sigterm_drains_in_flight_requests(start_gateway):
    gw = start_gateway("drain", overrides={"server.drain_timeout_s": 15})
    token = gw.token()
    results = []
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        # One kept-alive connection per client, opened before the signal,
        # so every request below reaches the gateway's code.
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
        body = json.dumps({"statement": MEDIUM})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        try:
            for _ in range(200):
                if stop.is_set():
                    return
                try:
                    conn.request("POST", "/query", body, headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.status == 200:
                        outcome = "ok" if json.loads(data)["data"]["values"] == [[400000]] else "wrong body"
                    else:
                        outcome = resp.status
                except OSError as e:
                    outcome = f"broken: {e!r}"
                with lock:
                    results.append(outcome)
                if outcome != "ok":
                    return
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    sent_sigterm = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    code = gw.proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=30)

    assert code == 0, gw.log()[-3000:]
    assert time.monotonic() - sent_sigterm < 16
    # Requests in flight finished with full responses. Later ones on the same
    # connections got 503 shutting_down.
    assert results.count("ok") > 0
    unexpected = [r for r in results if r not in ("ok", 503)]
    assert not unexpected, unexpected
    assert "shutting down" in gw.log()
    assert '"msg":"stopped"' in gw.log()
