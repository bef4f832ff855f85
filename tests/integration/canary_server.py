"""A loopback HTTP server that records every request it receives.

Tests point LOAD CSV at it: a denied statement must leave it untouched,
and an allowed one must reach it. It listens on 127.0.0.1 only and serves
one small CSV file for any GET.
"""

import http.server
import threading

CSV_BODY = b"name,born\nCanary One,1970\nCanary Two,1980\n"


class CanaryServer:
    """Loopback HTTP server that records (method, path) of each request.
    start() binds a free port."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    def start(self):
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record_and_answer(self, body):
                with canary._lock:
                    canary.requests.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return body

            def do_GET(self):
                self.wfile.write(self._record_and_answer(CSV_BODY))

            def do_HEAD(self):
                self._record_and_answer(CSV_BODY)

            def do_POST(self):
                self.wfile.write(self._record_and_answer(b""))

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def seen(self):
        """Return a copy of the requests recorded so far."""
        with self._lock:
            return list(self.requests)
