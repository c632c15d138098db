"""Gunicorn settings read by every node (``gunicorn -c config/gunicorn.py``): the Prometheus
bookkeeping of several workers, and timeouts that fit the proxy in front."""

import os

from prometheus_client import multiprocess

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Behind nginx: trust its X-Forwarded-* only from the proxy's own address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """A restarted node starts its counters afresh: stale files of dead workers would add up."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
