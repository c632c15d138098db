"""Load from a second process on loopback: gunicorn workers serve, a client process asks.

The server is gunicorn with production settings (``config.settings.bench``) on 127.0.0.1; the
client is this module run as ``python -m bench.load client ...``: N threads, each with
one keep-alive connection, asking the same URL until a time limit or a request budget runs
out, and printing throughput and latency percentiles as JSON. The client imports no Django,
so it stays small beside the server on the same cores: that is why the server side's functions
below import Django and the apps inside themselves, not at the top.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[1]

# --- the client (no Django) -----------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def hammer(
    host: str,
    port: int,
    path: str,
    headers: list[dict],
    clients: int,
    seconds: float,
    budget: int,
    rate: float = 0.0,
) -> dict:
    """``clients`` threads asking for ``path`` until ``seconds`` pass or ``budget`` requests
    have been made; thread i sends ``headers[i % len(headers)]`` (its caller's token).

    With ``rate`` 0 each thread asks again as soon as it has its answer (a closed loop: the
    most the server can do, and latencies that are mostly time spent queueing). With a
    ``rate``, the threads together offer that many requests a second on a fixed schedule,
    each thread every ``clients / rate`` seconds, staggered; a latency is counted from the
    moment the request was due, so a server that falls behind shows it in full."""
    started_at = time.perf_counter()
    deadline = started_at + seconds
    remaining = [budget]
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    interval = clients / rate if rate else 0.0

    def worker(index: int, headers: dict) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        mine: list[float] = []
        my_statuses: dict[int, int] = {}
        due = started_at + (index / rate if rate else 0.0)
        while True:
            if rate:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            if time.perf_counter() >= deadline:
                break
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = due if rate else time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                status = response.status
                sizes.append(len(body))
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            my_statuses[status] = my_statuses.get(status, 0) + 1
            due += interval
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(i, headers[i % len(headers)])) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started_at
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    return {
        "requests": len(latencies),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(elapsed, 3),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "offered_rps": rate or None,
        "offered": round(rate * seconds) if rate else None,
        "p50_ms": percentile(latencies, 0.50),
        "p90_ms": percentile(latencies, 0.90),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else None,
        "mean_ms": statistics.mean(latencies) if latencies else None,
        "avg_bytes": round(statistics.mean(sizes)) if sizes else 0,
        "clients": clients,
    }


def client_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load client")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--tokens", default="", help="comma-separated API tokens, one per caller")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=0.0, help="requests/s offered in all (0: closed loop)")
    args = parser.parse_args(argv)
    base = {"Accept": "application/json", "Accept-Language": "en"}
    tokens = [t for t in args.tokens.split(",") if t]
    headers = [{**base, "Authorization": f"Token {t}"} for t in tokens] or [base]
    result = hammer(
        "127.0.0.1", args.port, args.path, headers, args.clients, args.seconds, args.max_requests, args.rate
    )
    print(json.dumps(result))


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Gunicorn:
    """gunicorn with the production settings on a free loopback port."""

    def __init__(self, *, workers: int, threads: int, env: dict[str, str]):
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--keep-alive",
            "5",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            command,
            cwd=str(ROOT),
            stderr=self.log,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.bench"},
        )
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}: {self.log.read()[-2000:]!r}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/bench/floor/backlog/")
                connection.getresponse().read()
                connection.close()
                if len(_children(self.process.pid)) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer")

    def worker_peak_mb(self) -> float:
        """The largest peak resident set of a worker (VmHWM), in MB."""
        peaks = [_status_kb(pid, "VmHWM") for pid in _children(self.process.pid)]
        return max(peaks, default=0) / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def run_client(
    port: int,
    path: str,
    tokens: list[str],
    clients: int,
    seconds: float,
    max_requests: int,
    rate: float = 0.0,
) -> dict:
    completed = subprocess.run(  # noqa: S603 (this module, fixed arguments)
        [
            sys.executable,
            "-m",
            "bench.load",
            "client",
            "--port",
            str(port),
            "--path",
            path,
            "--tokens",
            ",".join(tokens),
            "--clients",
            str(clients),
            "--seconds",
            str(seconds),
            "--max-requests",
            str(max_requests),
            "--rate",
            str(rate),
        ],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    return json.loads(completed.stdout)


#: The Redis database the load test's servers use as their shared cache (flushed first).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"


def server_env(
    floor_query: dict | None = None, *, redis_url: str = "", backlog_cache_seconds: int | None = None
) -> dict[str, str]:
    """The environment of production settings: a secret, the database, Redis (the shared
    cache of the backlog, the throttle counters and sessions) and, when given, the backlog
    cache lifetime. The per-user throttle is raised: the 50 clients are spread over the
    monitors' tokens, a few clients per token, which the production rate would cut off."""
    env = {
        "DJANGO_SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_USER": "100000000/minute",
        "API_THROTTLE_ANON": "100000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    if backlog_cache_seconds is not None:
        env["BACKLOG_CACHE_SECONDS"] = str(backlog_cache_seconds)
    if floor_query:
        env["BENCH_FLOOR_QUERY"] = json.dumps(floor_query, default=str)
    return env


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database, so that each server starts with a cold cache."""
    if not url:
        return
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_keys(url: str, pattern: str) -> int:
    if not url:
        return 0
    import redis

    return sum(1 for _ in redis.Redis.from_url(url).scan_iter(match=pattern))


class GenerationTicker:
    """Moves the tasks generation on in the servers' cache ``per_second`` times a second, as
    a task change saved through the services does: every cached page and backlog is then
    computed afresh by the next request that asks for it."""

    def __init__(self, redis_url: str, per_second: float):
        self.redis_url, self.per_second = redis_url, per_second
        self.stop_event = threading.Event()
        self.ticks = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.core.cache.backends.redis import RedisCache

        from tasks.selectors import TASKS_GENERATION_KEY

        cache = RedisCache(self.redis_url, {})
        while not self.stop_event.wait(1 / self.per_second):
            try:
                cache.incr(TASKS_GENERATION_KEY)
            except ValueError:
                cache.set(TASKS_GENERATION_KEY, 1, timeout=None)
            self.ticks += 1

    def __enter__(self):
        if self.per_second:
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(5)


class LoadShape(TypedDict):
    """What every endpoint of one load run shares: callers, clients, duration, server size."""

    tokens: list[str]
    clients: int
    seconds: float
    workers: int
    threads: int


def measure_endpoint(
    *,
    path: str,
    tokens: list[str],
    clients: int,
    seconds: float,
    workers: int,
    threads: int,
    env: dict,
    rates: tuple[float, ...] = (0.0,),
    changes_per_s: float = 0.0,
) -> list[dict]:
    """Load tests against one fresh server on a flushed Redis, one per offered rate (0: the
    closed loop): a short warm-up (imports, connections; the first request also fills any
    cache), then each timed run; with the workers' peak memory and how many backlog entries
    the cache holds afterwards. With ``changes_per_s``, the tasks generation moves on that
    often during the timed runs (see ``GenerationTicker``)."""
    redis_url = env.get("REDIS_URL", "")
    flush_redis(redis_url)
    server = Gunicorn(workers=workers, threads=threads, env=env)
    results = []
    try:
        run_client(server.port, path, tokens, min(clients, workers * threads * 2), 2.0, 2_000)
        for rate in rates:
            with GenerationTicker(redis_url, changes_per_s) as ticker:
                result = run_client(server.port, path, tokens, clients, seconds, int(seconds * 2_000), rate)
            result["generation_moves"] = ticker.ticks
            results.append(result)
        for result in results:
            result["worker_peak_mb"] = round(server.worker_peak_mb(), 1)
            result["cached_backlogs"] = redis_keys(redis_url, "*backlog:*")
            result["cached_pages"] = redis_keys(redis_url, "*task-page:*")
    finally:
        server.stop()
    for result in results:
        result["workers"], result["threads"] = workers, threads
    return results


def monitor_tokens(count: int) -> list[str]:
    """Tokens of up to ``count`` active monitors (who see every task): the load's callers."""
    from agencies.choices import Role
    from agencies.models import Official
    from bench import api

    ids = (
        Official.objects.filter(role=Role.MONITOR, is_active=True).order_by("id").values_list("id", flat=True)
    )
    return [api.token_for(pk) for pk in ids[:count]]


#: The rate the task list must sustain, and its latency target there (issue 8).
LIST_RATE = 150.0
LIST_P95_MS = 100.0
BACKLOG_P95_MS = 300.0


def load_figures(
    ctx,
    *,
    seconds: float,
    clients: int,
    workers: int | None = None,
    threads: int = 1,
    redis_url: str = DEFAULT_REDIS_URL,
    uncached: bool = True,
) -> list:
    """Task list and backlog under ``clients`` concurrent clients, each beside its floor view
    served by the same kind of server: production settings with Redis as the shared cache, as
    deployed. The task list is measured twice per server: its capacity (a closed loop) and
    its latency at ``LIST_RATE`` requests/s offered by the same clients; once with no task
    changing and once with a change every second. With ``uncached``, both endpoints once more
    with their cache off, for reference."""
    from bench import api

    workers = workers or 2 * (os.cpu_count() or 1)
    tokens = monitor_tokens(clients)
    kind = "gthread" if threads > 1 else "sync"
    run: LoadShape = {
        "tokens": tokens,
        "clients": clients,
        "seconds": seconds,
        "workers": workers,
        "threads": threads,
    }
    served = (
        f"gunicorn {workers} {kind} workers, production settings, Redis cache; {len(tokens)} callers' tokens"
    )
    list_path = api.list_path(ctx, api.PAGE_SIZE)
    list_env = server_env(api.floor_query_for_workers(ctx, api.PAGE_SIZE), redis_url=redis_url)
    both = (0.0, LIST_RATE)

    list_floor = measure_endpoint(path="/bench/floor/tasks/", env=list_env, rates=both, **run)
    figures = [
        _list_figure(
            f"task list page of {api.PAGE_SIZE} (agency + overdue), shared cache as deployed",
            measure_endpoint(path=list_path, env=list_env, rates=both, **run),
            list_floor,
            served,
            "no task changes during the run: after the first request every page comes from the cache",
        ),
        _list_figure(
            f"task list page of {api.PAGE_SIZE}, a task change every second",
            measure_endpoint(path=list_path, env=list_env, rates=both, changes_per_s=1.0, **run),
            list_floor,
            served,
            "the tasks generation moves on every second, as a saved change does, so the first request"
            " after each change reads the database again",
        ),
    ]
    if uncached:
        uncached_env = {**list_env, "TASK_LIST_CACHE_SECONDS": "0"}
        figures.append(
            _list_figure(
                f"task list page of {api.PAGE_SIZE}, TASK_LIST_CACHE_SECONDS=0 (for reference)",
                measure_endpoint(path=list_path, env=uncached_env, rates=both, **run),
                list_floor,
                served,
                "every request reads the database; no target: the deployed endpoint is the cached one",
                targets=False,
            )
        )

    backlog_env = server_env(redis_url=redis_url)
    backlog_floor_path = f"/bench/floor/backlog/?as_of={ctx.as_of}"
    backlog_floor = measure_endpoint(path=backlog_floor_path, env=backlog_env, **run)[0]
    backlog_cases = [
        (
            "backlog report (shared cache, as deployed)",
            backlog_env,
            True,
            "served from the shared cache (Redis) after the first request: the key holds the filters,"
            " the date and the tasks generation, which every committed task change moves on;"
            " no task changes during the run",
        )
    ]
    if uncached:
        backlog_cases.append(
            (
                "backlog report, BACKLOG_CACHE_SECONDS=0 (for reference)",
                server_env(redis_url=redis_url, backlog_cache_seconds=0),
                False,
                "every request counts afresh; no target: the deployed endpoint is the cached one",
            )
        )
    for name, env, targets, note in backlog_cases:
        real = measure_endpoint(path=api.backlog_path(ctx), env=env, **run)[0]
        checks = {"no errors": real["ok"] == real["requests"]}
        if targets:
            checks[f"p95 <= {BACKLOG_P95_MS:g} ms"] = (
                real["p95_ms"] is not None and real["p95_ms"] <= BACKLOG_P95_MS
            )
        figures.append(
            _figure(
                f"under load, {clients} clients: {name}",
                real,
                backlog_floor,
                f"{served}; a closed loop (each client asks again as soon as it is answered); {note}",
                checks,
                extra={
                    "rps": real["rps"],
                    "p95_ms": real["p95_ms"],
                    "p99_ms": real["p99_ms"],
                    "floor_rps": backlog_floor["rps"],
                    "floor_p95_ms": backlog_floor["p95_ms"],
                    "cached_backlogs_after": real["cached_backlogs"],
                    "backlog_cache_seconds": env.get("BACKLOG_CACHE_SECONDS", "default (300 with Redis)"),
                    "path": api.backlog_path(ctx),
                },
            )
        )
    return figures


def _figure(name: str, real: dict, floor: dict, note: str, checks: dict, extra: dict):
    from bench.measure import Figure

    return Figure(
        name=name,
        median_ms=real["p50_ms"],
        floor_ms=floor["p50_ms"],
        peak_mb=real["worker_peak_mb"],
        runs=real["requests"],
        floor="the hand-written view of the same answer (uncached) under the same load",
        note=f"median_ms is the median latency; {note}; peak_mb is the largest worker's peak resident set",
        extra={**extra, "statuses": real["statuses"]},
        checks=checks,
    )


def _list_figure(name: str, runs: list[dict], floor_runs: list[dict], served: str, note: str, targets=True):
    """The task list's two runs on one server: the closed loop gives the capacity (target: at
    least LIST_RATE), the paced run the latency at LIST_RATE (target: p95 under LIST_P95_MS)."""
    closed, paced = runs
    floor_closed, floor_paced = floor_runs
    clients = paced["clients"]
    checks = {"no errors": all(r["ok"] == r["requests"] for r in runs)}
    if targets:
        checks[f">= {LIST_RATE:g} req/s (closed loop)"] = closed["rps"] >= LIST_RATE
        checks[f"p95 <= {LIST_P95_MS:g} ms at {LIST_RATE:g} req/s"] = (
            paced["p95_ms"] is not None and paced["p95_ms"] <= LIST_P95_MS
        )
        # the paced run must have been answered every request it offered, on time or late
        checks[f"served all {paced['offered']:,} offered"] = paced["ok"] >= paced["offered"] - 1
    return _figure(
        f"under load, {clients} clients: {name}",
        paced,
        floor_paced,
        f"{served}; latencies at {LIST_RATE:g} requests/s offered by the {clients} clients together (each"
        f" every {clients / LIST_RATE:.2f} s, counted from when the request was due), capacity from a"
        f" closed loop of the same clients; {note}",
        checks,
        extra={
            "rps": paced["rps"],
            "offered_rps": LIST_RATE,
            "offered": paced["offered"],
            "served": paced["ok"],
            "p95_ms": paced["p95_ms"],
            "p99_ms": paced["p99_ms"],
            "capacity_rps": closed["rps"],
            "closed_loop_p50_ms": closed["p50_ms"],
            "closed_loop_p95_ms": closed["p95_ms"],
            "floor_capacity_rps": floor_closed["rps"],
            "floor_p95_ms": floor_paced["p95_ms"],
            "floor_closed_loop_p95_ms": floor_closed["p95_ms"],
            "generation_moves": paced["generation_moves"] + closed["generation_moves"],
            "cached_pages_after": paced["cached_pages"],
            "task_list_cache_seconds": "0" if not targets else "default (60 with Redis)",
        },
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["client"]:
        client_main(sys.argv[2:])
    else:
        sys.exit("usage: python -m bench.load client --port P --path /api/... [--tokens T1,T2]")
