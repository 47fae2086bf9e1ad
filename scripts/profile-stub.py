#!/usr/bin/env python3
"""What the exporter talks to over HTTP during scripts/link-order.sh, on one loopback port:
GET /v1/models (the Anthropic and OpenAI probes), GET /metrics (a core API to scrape, with request counters
and latency buckets that move on every scrape) and POST /api/v2/alerts (an Alertmanager that accepts alerts).
Usage: profile-stub.py PORT"""
import http.server
import sys
import threading

scrapes = 0
lock = threading.Lock()


class Stub(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global scrapes
        if self.path == "/v1/models":
            self.reply(200, '{"data":[{"id":"claude-sonnet-4-5"}]}')
        elif self.path == "/metrics":
            with lock:
                scrapes += 1
                n = scrapes
            lines = [
                "# TYPE http_requests_total counter",
                f'http_requests_total{{method="GET",endpoint="/api/v1/projects",status="200"}} {100 * n}',
                f'http_requests_total{{method="GET",endpoint="/api/v1/projects",status="500"}} {10 * n}',
                "# TYPE http_request_duration_seconds histogram",
            ]
            for bound, count in (("0.1", 50), ("0.5", 80), ("1.0", 95), ("+Inf", 100)):
                lines.append(f'http_request_duration_seconds_bucket{{method="GET",endpoint="/api/v1/projects",le="{bound}"}} {count * n}')
            lines.append(f'http_request_duration_seconds_count{{method="GET",endpoint="/api/v1/projects"}} {100 * n}')
            lines.append(f'http_request_duration_seconds_sum{{method="GET",endpoint="/api/v1/projects"}} {30.0 * n}')
            lines.append("# TYPE ai_cost_usd_total counter")
            lines.append(f'ai_cost_usd_total{{model="claude-sonnet-4-5"}} {60.0 * n}')
            self.reply(200, "\n".join(lines) + "\n", "text/plain; version=0.0.4")
        else:
            self.reply(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.reply(200 if self.path == "/api/v2/alerts" else 404, "{}")

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stub).serve_forever()
