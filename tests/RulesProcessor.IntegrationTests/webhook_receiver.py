"""A webhook receiver for the tests: answers 503 to the first FAILURES requests, then 200 (or always STATUS),
and appends one JSON line per request (status given, Idempotency-Key, path, body) to LOG."""
import http.server
import json
import sys

PORT, LOG, FAILURES, STATUS = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = {"count": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        seen["count"] += 1
        status = 503 if seen["count"] <= FAILURES else STATUS
        with open(LOG, "a") as log:
            log.write(json.dumps({"status": status, "key": self.headers.get("Idempotency-Key"), "path": self.path,
                                  "type": self.headers.get("Content-Type"), "body": body}) + "\n")
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
