"""The load of the soak, from a second process (no Django in it): officials who read the task
list, the task page, the backlog and the API, and report progress on the web and the API.

    python -m tests.reliability.soak_client --port P --seconds S --plan plan.json

``plan.json`` is a list of ``{"username", "password", "token", "task_id", "monitor"}``: one
thread per entry, each working on its own task (so that a 412 is a bug, not a race). Prints
one JSON object: per kind of request its count, its errors and its latency percentiles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import threading
import time
import urllib.parse

VERSION = re.compile(r'name="version" value="(\d+)"')
FACTORY_PASSWORD = "pw-for-tests"  # tests/factories.py's


class WebClient:
    """A browser-like HTTP client: cookies, the CSRF token, one keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None, body=None
    ) -> tuple[int, dict, str]:
        sent = {"Accept-Language": "en", "Host": "127.0.0.1", **(headers or {})}
        if self.cookies and "Authorization" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text

    def login(self, username: str, password: str = FACTORY_PASSWORD) -> None:
        self.request("GET", "/accounts/login/")
        status, _, text = self.request(
            "POST", "/accounts/login/", {"username": username, "password": password}
        )
        if status != 302:
            raise AssertionError(f"login of {username} failed: {status} {text[:300]}")

    def version_of(self, task_id: int) -> int:
        status, _, text = self.request("GET", f"/tasks/{task_id}/")
        if status != 200:
            raise AssertionError(f"task page answered {status}")
        return int(VERSION.search(text).group(1))


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))], 1)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.saved = 0

    def add(self, kind: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            if error:
                self.errors.setdefault(kind, []).append(error)

    def summary(self, seconds: float) -> dict:
        every = [ms for values in self.latencies.values() for ms in values]
        kinds = {
            kind: {
                "requests": len(values),
                "errors": len(self.errors.get(kind, [])),
                "p50_ms": percentile(values, 0.50),
                "p95_ms": percentile(values, 0.95),
                "p99_ms": percentile(values, 0.99),
            }
            for kind, values in sorted(self.latencies.items())
        }
        errors = sum(len(v) for v in self.errors.values())
        return {
            "seconds": round(seconds, 1),
            "requests": len(every),
            "errors": errors,
            "error_rate": round(errors / len(every), 5) if every else None,
            "rps": round(len(every) / seconds, 1) if seconds else None,
            "p50_ms": percentile(every, 0.50),
            "p95_ms": percentile(every, 0.95),
            "p99_ms": percentile(every, 0.99),
            "progress_saved": self.saved,
            "kinds": kinds,
            "error_samples": {k: v[:3] for k, v in self.errors.items()},
        }


def official(port: int, plan: dict, deadline: float, tally: Tally) -> None:
    client = WebClient(port)
    client.login(plan["username"], plan["password"])
    api = {"Authorization": f"Token {plan['token']}", "Accept": "application/json"}
    task = plan["task_id"]
    n = 0

    def timed(kind: str, expected: tuple[int, ...], *args, **kwargs):
        started = time.perf_counter()
        try:
            status, headers, text = client.request(*args, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            tally.add(kind, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")
            return None
        error = None if status in expected else f"{status}: {text[:200]}"
        tally.add(kind, (time.perf_counter() - started) * 1000, error)
        return status, headers, text

    while time.perf_counter() < deadline:
        n += 1
        page = timed("web task page", (200,), "GET", f"/tasks/{task}/")
        timed("web task list", (200,), "GET", "/tasks/")  # keyset pages: the first has no cursor
        timed("web backlog", (200,), "GET", "/dashboard/" if plan["monitor"] else "/agency/")
        timed("api task list", (200,), "GET", "/api/v1/tasks/?page_size=50", headers=api)
        timed("api backlog", (200,), "GET", "/api/v1/reports/backlog/", headers=api)
        if plan["monitor"] or page is None:
            continue
        version = int(VERSION.search(page[2]).group(1))
        if n % 2:
            form = {"version": version, "percent": n % 101, "note": f"Báo cáo lần {n}"}
            result = timed("web progress report", (302,), "POST", f"/tasks/{task}/progress/", form)
        else:
            body = json.dumps({"percent": n % 101, "note": f"Báo cáo API lần {n}"})
            headers = {**api, "Content-Type": "application/json", "If-Match": f'"{version}"'}
            result = timed(
                "api progress report",
                (201,),
                "POST",
                f"/api/v1/tasks/{task}/progress-reports/",
                headers=headers,
                body=body,
            )
        if result is not None and result[0] in (201, 302):
            with tally.lock:
                tally.saved += 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.soak_client")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--plan", required=True)
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as source:
        plans = json.load(source)
    tally = Tally()
    started = time.perf_counter()
    deadline = started + args.seconds
    threads = [threading.Thread(target=official, args=(args.port, plan, deadline, tally)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(tally.summary(time.perf_counter() - started), ensure_ascii=False))


if __name__ == "__main__":
    main()
