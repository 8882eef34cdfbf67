"""A light load generator: N keep-alive HTTP/1.1 connections posting questions to /ask.

Written on bare asyncio streams rather than an HTTP client library, so that on a small
machine the load costs far less CPU than the server it measures. Run in its own process
(``python -m bench.load``), it prints one JSON line: requests, errors, seconds, latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time


async def _connection(
    host: str,
    port: int,
    bodies: list[bytes],
    offset: int,
    step: int,
    deadline: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    n = offset
    try:
        while time.perf_counter() < deadline:
            body = bodies[n % len(bodies)]
            n += step
            request = (
                f"POST /ask HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = status_line.split(b" ", 2)[1:2]
            if status != [b"200"]:
                errors.append(status_line.decode(errors="replace").strip())
    except (OSError, asyncio.IncompleteReadError) as error:
        errors.append(repr(error))
    finally:
        writer.close()


async def run_load(
    host: str, port: int, questions: list[str], connections: int, seconds: float
) -> dict[str, object]:
    bodies = [json.dumps({"question": q, "k": 5}).encode() for q in questions]
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(host, port, bodies, i, connections, deadline, latencies, errors)
            for i in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:5],
        "seconds": elapsed,
        "latencies_ms": [round(value * 1000, 3) for value in latencies],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    questions = json.load(sys.stdin)
    result = asyncio.run(run_load(args.host, args.port, questions, args.connections, args.seconds))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
