"""Asks GET /health/ready every 10 ms over one keep-alive connection for a while and prints
"p50_ms p99_ms max_ms count" of the answers' latencies. A non-200 answer or a failed request exits 1.

    python3 readiness_sampler.py URL SECONDS
"""

import http.client
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
seconds = float(sys.argv[2])
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
latencies = []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    started = time.perf_counter()
    connection.request("GET", url.path)
    response = connection.getresponse()
    response.read()
    latencies.append((time.perf_counter() - started) * 1000)
    if response.status != 200:
        print(f"readiness_sampler: {url.path} answered {response.status}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.01)
latencies.sort()


def quantile(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))]


print(f"{quantile(0.5):.3f} {quantile(0.99):.3f} {latencies[-1]:.3f} {len(latencies)}")
