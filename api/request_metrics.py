"""Prometheus metrics in the text exposition format, kept in process memory."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Upper bounds, in seconds, of the request-duration histogram's buckets.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self._bucket_counts: defaultdict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._duration_sum: defaultdict[str, float] = defaultdict(float)
        self._duration_count: defaultdict[str, int] = defaultdict(int)
        self._answers: defaultdict[bool, int] = defaultdict(int)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, route, status)] += 1
            counts = self._bucket_counts[route]
            for position, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[position] += 1
            self._duration_sum[route] += seconds
            self._duration_count[route] += 1

    def observe_answer(self, answerable: bool) -> None:
        with self._lock:
            self._answers[answerable] += 1

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges`` maps a name to (help, value)."""
        lines = [
            "# HELP qa_http_requests_total HTTP requests by method, route and status.",
            "# TYPE qa_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self._requests.items()):
                lines.append(
                    f'qa_http_requests_total{{method="{method}",route="{_escape(route)}",'
                    f'status="{status}"}} {count}'
                )
            lines += [
                "# HELP qa_http_request_duration_seconds Time to answer a request.",
                "# TYPE qa_http_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self._bucket_counts.items()):
                label = f'route="{_escape(route)}"'
                for bound, count in zip(BUCKETS, counts, strict=True):
                    lines.append(
                        f'qa_http_request_duration_seconds_bucket{{{label},le="{bound}"}} {count}'
                    )
                total = self._duration_count[route]
                lines.append(
                    f'qa_http_request_duration_seconds_bucket{{{label},le="+Inf"}} {total}'
                )
                lines.append(
                    f"qa_http_request_duration_seconds_sum{{{label}}} "
                    f"{self._duration_sum[route]:.6f}"
                )
                lines.append(f"qa_http_request_duration_seconds_count{{{label}}} {total}")
            lines += [
                "# HELP qa_answers_total Questions answered, by whether they were answerable.",
                "# TYPE qa_answers_total counter",
            ]
            for answerable in (True, False):
                label = "true" if answerable else "false"
                lines.append(
                    f'qa_answers_total{{answerable="{label}"}} {self._answers[answerable]}'
                )
        for name, (help_text, value) in sorted(gauges.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class RequestMetrics:
    """Counts requests and times them, labelled by route template (not raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.observe_request(
                scope["method"], path, status, time.perf_counter() - started
            )
