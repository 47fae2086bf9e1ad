"""A scrape target of SERIES series for the ingest benchmark: 90% counters (`bench_requests_total`, by route, pod and
status) and 10% gauges (`bench_queue_depth`, by pod and queue). Every scrape advances the counters, so that rate()
has something to compute. Serves GET /metrics in the text format 0.0.4 on 127.0.0.1:PORT.

    python3 ingest_target.py PORT SERIES
"""

import http.server
import sys

port = int(sys.argv[1])
series = int(sys.argv[2])
counters = series * 9 // 10
statuses = ["200", "201", "404", "500"]
counter_labels = [
    f'bench_requests_total{{route="/api/v1/r{i % 250}",pod="api-{i // 1000}",status="{statuses[(i // 250) % 4]}"}} '
    for i in range(counters)
]
gauge_labels = [f'bench_queue_depth{{pod="api-{i // 10}",queue="q{i % 10}"}} ' for i in range(series - counters)]
scrapes = 0


class Target(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global scrapes
        scrapes += 1
        lines = ["# HELP bench_requests_total Requests.\n# TYPE bench_requests_total counter\n"]
        lines += [f"{label}{scrapes * (i % 7 + 1)}\n" for i, label in enumerate(counter_labels)]
        lines.append("# HELP bench_queue_depth Queue depth.\n# TYPE bench_queue_depth gauge\n")
        lines += [f"{label}{(scrapes + i) % 50}\n" for i, label in enumerate(gauge_labels)]
        body = "".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Target).serve_forever()
