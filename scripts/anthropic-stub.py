"""A stand-in for Anthropic's Messages API for the demo (`scripts/demo.sh --ai-stub`): POST /v1/messages answers a
valid palette of exactly the number of colours the prompt asks for, and reports INPUT_TOKENS input and 2,000 output
tokens per call, so that spending (and HighAICost) can be driven without an account or a bill. Never for production.

    python3 scripts/anthropic-stub.py PORT [INPUT_TOKENS]      (default 400000: $1.23 a call at Sonnet 4.5's price)
"""

import http.server
import json
import re
import sys

port = int(sys.argv[1])
input_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 400_000
INTENTS = ["primary", "secondary", "accent", "success", "error", "warning", "info", "background", "surface", "text"]


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        prompt = " ".join(
            block.get("text", "") for message in request.get("messages", []) for block in message.get("content", [])
            if isinstance(block, dict)
        )
        match = re.search(r"exactly (\d+) distinct", prompt)
        count = int(match.group(1)) if match else 5
        colors = [
            {"hex": "#%02X%02X%02X" % (40 + 20 * i, 90, 200 - 15 * i), "name": "Stub colour %d" % (i + 1),
             "design_intent": INTENTS[i % 10], "confidence": 0.9, "usage": "demo", "prominence": round(100 / count, 1)}
            for i in range(count)
        ]
        palette = {"colors": colors, "dominant_colors": [colors[0]["hex"]],
                   "palette_description": "A stub palette (scripts/anthropic-stub.py).", "overall_confidence": 0.9}
        body = json.dumps({
            "id": "msg_stub", "type": "message", "role": "assistant", "model": request.get("model", "stub"),
            "stop_reason": "end_turn", "content": [{"type": "text", "text": json.dumps(palette)}],
            "usage": {"input_tokens": input_tokens, "output_tokens": 2000},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Stub).serve_forever()
