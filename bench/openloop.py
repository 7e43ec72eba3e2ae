"""An open-loop client: requests leave at a fixed rate whatever the server does, and each
latency counts from the moment its request was due (so queueing is not hidden).
HTTP/1.1 keep-alive over a pool of connections that grows as needed."""

from __future__ import annotations

import asyncio
import time

import numpy as np

TIMEOUT_S = 10.0


class Connections:
    def __init__(self, host: str, port: int, most: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(most)
        self.opened = 0

    async def get(self):
        await self.slots.acquire()
        if self.idle:
            return self.idle.pop()
        try:
            connection = await asyncio.open_connection(self.host, self.port)
        except BaseException:
            self.slots.release()
            raise
        self.opened += 1
        return connection

    def put(self, connection, reusable: bool) -> None:
        if reusable:
            self.idle.append(connection)
        else:
            connection[1].close()
        self.slots.release()


async def _exchange(connection, request: bytes) -> tuple[int, bool]:
    reader, writer = connection
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed by the server")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    await reader.readexactly(length)
    return status, keep


async def _one(pool: Connections, request: bytes, due: float, out: list) -> None:
    """One request; not answered within TIMEOUT_S of when it was due is an error."""
    connection = None

    def left() -> float:
        return max(0.001, due + TIMEOUT_S - time.perf_counter())

    try:
        connection = await asyncio.wait_for(pool.get(), left())
        status, keep = await asyncio.wait_for(_exchange(connection, request), left())
        pool.put(connection, keep)
    except Exception as exc:  # refused, reset or too late
        if connection is not None:
            pool.put(connection, False)
        out.append((time.perf_counter() - due, type(exc).__name__))
        return
    out.append((time.perf_counter() - due, status))


async def _run(host, port, requests: list[bytes], rate: float, most: int) -> dict:
    pool = Connections(host, port, most)
    results: list = []
    start = time.perf_counter() + 0.2
    tasks = []
    for n, request in enumerate(requests):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(pool, request, due, results)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for _reader, writer in pool.idle:
        writer.close()
    latencies = np.array([r[0] for r in results]) * 1000
    statuses: dict[str, int] = {}
    for _latency, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    errors = sum(n for s, n in statuses.items() if not (s.isdigit() and int(s) < 400))
    return {
        "requests": len(results),
        "rate_asked": round(rate, 1),
        "seconds": round(elapsed, 1),
        "rps": round(len(results) / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p99_ms": round(float(np.percentile(latencies, 99)), 2),
        "max_ms": round(float(latencies.max()), 2),
        "errors": errors,
        "statuses": statuses,
        "connections": pool.opened,
    }


def get_request(host: str, port: int, path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()


def run_open_loop(
    host: str, port: int, requests: list[bytes], rate: float, most_connections: int = 256
) -> dict:
    return asyncio.run(_run(host, port, requests, rate, most_connections))
