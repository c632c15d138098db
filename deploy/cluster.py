"""A Five Clear cluster on one machine, shaped like the real one (docs/operations.md).

    python deploy/cluster.py start     # nginx -> two gunicorn nodes, two Celery workers, one beat
    python deploy/cluster.py status
    python deploy/cluster.py stop

``start`` starts whatever of the cluster is not running, so after a node or a worker died it
brings back just that one. Every process is the project's own code with production settings
on the PostgreSQL and Redis of the environment (DATABASE_URL, REDIS_URL). A watcher polls each
node's /readyz every second and takes a node that is not ready out of nginx's upstream.

Settings (environment): CLUSTER_DIR (var/cluster), CLUSTER_PORT (8080), CLUSTER_NODE_PORTS
(8101,8102), CLUSTER_WORKERS (2), GUNICORN_WORKERS (2). It needs no Django of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _dir() -> Path:
    return Path(os.environ.get("CLUSTER_DIR", ROOT / "var" / "cluster")).resolve()


def _node_ports() -> list[int]:
    return [int(p) for p in os.environ.get("CLUSTER_NODE_PORTS", "8101,8102").split(",") if p.strip()]


def _proxy_port() -> int:
    return int(os.environ.get("CLUSTER_PORT", "8080"))


@dataclass
class Process:
    """One process of the cluster: how to start it, where its pid and log go."""

    name: str
    argv: list[str]

    def pid_path(self) -> Path:
        return _dir() / f"{self.name}.pid"

    def log_path(self) -> Path:
        return _dir() / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path().read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # A zombie (killed, not yet reaped by its parent) is not running.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            return pid
        return None if state in "ZX" else pid

    def start(self, env: dict[str, str]) -> int:
        with open(self.log_path(), "ab") as log:
            process = subprocess.Popen(  # noqa: S603 (our own argv)
                self.argv,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: outlives `make cluster`, killed whole
            )
        self.pid_path().write_text(str(process.pid))
        return process.pid

    def stop(self, timeout: float = 15.0) -> None:
        pid = self.pid()
        if pid is None:
            return
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.pid() is not None:
            _signal_group(pid, signal.SIGKILL)
        self.pid_path().unlink(missing_ok=True)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def processes() -> list[Process]:
    """The cluster's processes, in start order (the proxy last, once the nodes listen)."""
    found: list[Process] = []
    for index, port in enumerate(_node_ports(), start=1):
        found.append(
            Process(
                f"web{index}",
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "-c",
                    "config/gunicorn.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--name",
                    f"fiveclear-web{index}",
                ],
            )
        )
    for index in range(1, int(os.environ.get("CLUSTER_WORKERS", "2")) + 1):
        found.append(
            Process(
                f"worker{index}",
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-n",
                    f"worker{index}@%h",
                    "--concurrency",
                    os.environ.get("CLUSTER_WORKER_CONCURRENCY", "2"),
                    "--loglevel",
                    "INFO",
                ],
            )
        )
    found.append(
        Process(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--schedule",
                str(_dir() / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
        )
    )
    found.append(Process("watcher", [sys.executable, str(Path(__file__).resolve()), "watch"]))
    return found


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name):
            sys.exit(f"cluster: set {name} (PostgreSQL and Redis are shared by every node)")
    secret_file = _dir() / "secret-key"
    if not env.get("DJANGO_SECRET_KEY"):
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
            secret_file.chmod(0o600)
        env["DJANGO_SECRET_KEY"] = secret_file.read_text().strip()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    # Plain HTTP on loopback: no TLS redirect here (a real proxy terminates TLS in front).
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    env.setdefault("LOG_FORMAT", "json")
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_dir() / "metrics"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _node_env(env: dict[str, str], name: str) -> dict[str, str]:
    """Each web node keeps its own metrics files; workers and beat keep none."""
    env = dict(env)
    if name.startswith("web"):
        env["PROMETHEUS_MULTIPROC_DIR"] = str(Path(env["PROMETHEUS_MULTIPROC_DIR"]) / name)
    else:
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def _ready(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _write_upstream(ready_ports: list[int]) -> bool:
    """Writes the upstream block; True when it changed. A node not ready is marked down, and
    with none ready all are listed, so nginx still tries them rather than refusing outright."""
    lines = ["upstream fiveclear {"]
    for port in _node_ports():
        down = ready_ports and port not in ready_ports
        lines.append(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s{' down' if down else ''};")
    lines.append("    keepalive 16;")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    path = _dir() / "upstream.conf"
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def _nginx(*args: str) -> subprocess.CompletedProcess:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.run(  # noqa: S603
        [nginx, "-p", str(_dir()), "-c", str(_dir() / "nginx.conf"), *args],
        capture_output=True,
        text=True,
    )


def _nginx_pid() -> int | None:
    return Process("nginx", []).pid()


def _write_nginx_conf() -> None:
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    (_dir() / "nginx.conf").write_text(template.format(dir=_dir(), port=_proxy_port()))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (_dir() / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)


def start() -> None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        sys.exit("cluster: nginx is not installed (Debian: apt-get install nginx-light or nginx)")
    _dir().mkdir(parents=True, exist_ok=True)
    env = _environment()
    if not (_dir() / "prepared").exists():
        _manage(_node_env(env, "manage"), "migrate", "--noinput")
        _manage(_node_env(env, "manage"), "collectstatic", "--noinput", "--verbosity", "0")
        (_dir() / "prepared").write_text("migrate and collectstatic ran\n")
    started = []
    for process in processes():
        if process.pid() is None:
            process.start(_node_env(env, process.name))
            started.append(process.name)
    ports = _node_ports()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(_ready(port) for port in ports):
        time.sleep(0.3)
    _write_upstream([port for port in ports if _ready(port)])
    _write_nginx_conf()
    if _nginx_pid() is None:
        result = _nginx()
        if result.returncode != 0:
            sys.exit(f"cluster: nginx did not start: {result.stderr.strip()}")
        started.append("nginx")
    print(json.dumps({"started": started, "proxy": f"http://127.0.0.1:{_proxy_port()}/"}))


def stop() -> None:
    if _nginx_pid() is not None:
        _nginx("-s", "quit")
        deadline = time.monotonic() + 10
        while _nginx_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
    for process in reversed(processes()):
        process.stop()
    (_dir() / "nginx.pid").unlink(missing_ok=True)
    print(json.dumps({"stopped": True}))


def status() -> int:
    report = {p.name: p.pid() for p in processes()}
    report["nginx"] = _nginx_pid()
    report["ready"] = {str(port): _ready(port) for port in _node_ports()}
    print(json.dumps(report))
    return 0 if all(v is not None for k, v in report.items() if k != "ready") else 1


def watch() -> None:
    """Every second: which nodes answer /readyz; on a change, rewrite the upstream and reload."""
    while True:
        ready = [port for port in _node_ports() if _ready(port, timeout=1.0)]
        if _write_upstream(ready) and _nginx_pid() is not None:
            _nginx("-s", "reload")
        time.sleep(1.0)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "watch":
        watch()
    elif command == "status":
        return status()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
