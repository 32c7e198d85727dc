"""Open-loop load for `make bench` (what wrk2 does; wrk2 is not packaged
here): requests sent at a fixed offered rate whatever the server does, each
timed from the moment it was due to be sent. A server that falls behind
makes the requests queue, and the queueing counts in the percentiles
(no coordinated omission), as it does for people who keep arriving.

Request n is sent at start + n / rate, from the list in turn (each another
person's session, as the closed-loop run replays them), on an idle
keep-alive connection or a new one (at most MAX_CONNECTIONS open; past
that, a request waits for one, its clock running)."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from bench.load import Request

MAX_CONNECTIONS = 256
TIMEOUT = 10.0  # seconds from the scheduled moment: then an error


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, bytes, bool]:
        """Sends one request; returns its status, body and whether the
        connection may serve another."""
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:
            body = await self.reader.read()
            return status, body, False
        return status, body, headers.get("connection") != "close"

    def close(self) -> None:
        self.writer.close()


def _raw(host: str, request: Request, method: str, htmx: bool) -> bytes:
    headers = [f"{method} {request.path} HTTP/1.1", f"Host: {host}"]
    if request.cookie:
        headers.append(f"Cookie: {request.cookie}")
    if htmx:
        headers.append("HX-Request: true")
    body = request.body.encode() if method == "POST" else b""
    if method == "POST":
        headers.append("Content-Type: application/x-www-form-urlencoded")
        headers.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values`."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


async def _run(base, requests, rate, seconds, method, status, refuse, htmx) -> dict:
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    latencies: list[float] = []
    errors = [0]
    raws = [_raw(parts.netloc, r, method, htmx) for r in requests]
    refused = refuse.encode()

    async def one(raw: bytes, due: float) -> None:
        async with slots:
            connection = idle.pop() if idle else None
            try:
                if connection is None:
                    connection = _Connection(*await asyncio.open_connection(host, port))
                remaining = max(0.001, due + TIMEOUT - time.perf_counter())
                code, body, reusable = await asyncio.wait_for(connection.exchange(raw), remaining)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                errors[0] += 1
                if connection is not None:
                    connection.close()
                return
            latencies.append((time.perf_counter() - due) * 1000)
            if code != status or (refused and refused in body):
                errors[0] += 1
            if reusable:
                idle.append(connection)
            else:
                connection.close()

    total = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks, last = [], start
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        last = time.perf_counter()
        tasks.append(asyncio.create_task(one(raws[n % len(raws)], due)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return {
        "offered_rps": rate,
        "sent": total,
        "completed": len(latencies),
        # The rate the requests went out at (not when their answers came).
        "achieved_rps": (total - 1) / (last - start) if total > 1 and last > start else rate,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": errors[0],
    }


def drive(
    base: str,
    requests: list[Request],
    *,
    rate: float,
    seconds: float,
    method: str = "GET",
    status: int = 200,
    refuse: str = "",
    htmx: bool = False,
) -> dict:
    """Offers `rate` requests/s for `seconds`, replaying `requests` in turn;
    returns the latency percentiles (ms, from each request's scheduled
    moment), errors, requests sent and the rate achieved."""
    if rate <= 0 or not requests:
        return {"offered_rps": rate, "sent": 0, "completed": 0, "achieved_rps": 0.0,
                "p50": 0.0, "p95": 0.0, "p99": 0.0, "errors": 0}  # fmt: skip
    # Its own thread, so its own event loop: the caller's thread may have one
    # running already (Playwright's sync API keeps one in the test process).
    with ThreadPoolExecutor(max_workers=1) as thread:
        run = _run(base, requests, rate, seconds, method, status, refuse, htmx)
        return thread.submit(asyncio.run, run).result()
