"""A stand-in for Anthropic's Messages API for the demo (`scripts/demo.sh --ai-stub`) and the benchmark: POST
/v1/messages answers a valid palette of exactly the number of colours the prompt asks for, and reports INPUT_TOKENS
input and 2,000 output tokens per call, so that spending (and HighAICost) can be driven without an account or a bill.
Never for production.

    python3 scripts/anthropic-stub.py PORT [INPUT_TOKENS]      (default 400000: $1.23 a call at Sonnet 4.5's price)

It answers at once and keeps connections alive (asyncio, one answer built per colour count and model), so that a
benchmark through it measures the API rather than the stub.
"""

import asyncio
import json
import re
import sys

port = int(sys.argv[1])
input_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 400_000
INTENTS = ["primary", "secondary", "accent", "success", "error", "warning", "info", "background", "surface", "text"]
COUNT = re.compile(rb"exactly (\d+) distinct")
MODEL = re.compile(rb'"model"\s*:\s*"([^"\\]*)"')
answers: dict[tuple[int, bytes], bytes] = {}


def answer(count: int, model: bytes) -> bytes:
    """The whole HTTP response for a palette of `count` colours from `model`."""
    key = (count, model)
    if key not in answers:
        colors = [
            {"hex": "#%02X%02X%02X" % (40 + 4 * i, 90, 200 - 3 * i), "name": "Stub colour %d" % (i + 1),
             "design_intent": INTENTS[i % 10], "confidence": 0.9, "usage": "demo", "prominence": round(100 / count, 1)}
            for i in range(count)
        ]
        palette = {"colors": colors, "dominant_colors": [colors[0]["hex"]] if colors else [],
                   "palette_description": "A stub palette (scripts/anthropic-stub.py).", "overall_confidence": 0.9}
        body = json.dumps({
            "id": "msg_stub", "type": "message", "role": "assistant", "model": model.decode() or "stub",
            "stop_reason": "end_turn", "content": [{"type": "text", "text": json.dumps(palette)}],
            "usage": {"input_tokens": input_tokens, "output_tokens": 2000},
        }).encode()
        answers[key] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    return answers[key]


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            match = COUNT.search(body)
            model = MODEL.search(body)
            writer.write(answer(int(match.group(1)) if match else 5, model.group(1) if model else b"stub"))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", port, limit=64 * 1024 * 1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
