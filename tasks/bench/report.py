"""The table on the terminal, docs/benchmarks.json and docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

from django.db import connection

from tasks.bench.measure import MEMORY_LIMIT_MB, Figure


def machine() -> dict:
    """What the figures ran on, as far as the machine tells."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": postgres,
        "shared_buffers": shared_buffers,
        "note": "PostgreSQL, the benchmark and the load generator share these cores",
    }


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _verdict(figure: Figure) -> str:
    return {True: "meets", False: "MISSES", None: "—"}[figure.meets]


HEADER = ("figure", "median ms", "floor ms", "ratio", "target", "queries", "peak MB", "verdict")


def _target(figure: Figure) -> str:
    parts = []
    if figure.target_ratio is not None:
        parts.append(f"≤{figure.target_ratio:g}x")
    if figure.target_ms is not None:
        parts.append(f"≤{figure.target_ms:,.0f} ms")
    parts += [label for label in figure.checks if not label.startswith(("ratio", "median", "peak"))]
    return ", ".join(parts)


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    return [
        (
            f.name,
            _fmt(f.median_ms),
            _fmt(f.floor_ms),
            _fmt(f.ratio, 2),
            _target(f),
            _fmt(f.queries),
            _fmt(f.peak_mb),
            _verdict(f),
        )
        for f in figures
    ]


def table(figures: list[Figure]) -> str:
    lines = [HEADER, *rows(figures)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def payload(figures: list[Figure], *, tasks: int, dataset: dict, started: dt.datetime) -> dict:
    return {
        "machine": machine(),
        "tasks": tasks,
        "dataset": dataset,
        "commit": _git_commit(),
        "ran_at": started.isoformat(timespec="seconds"),
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "figures": [f.as_dict() for f in figures],
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def markdown(data: dict, figures: list[Figure], notes: str = "") -> str:
    m = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`manage.py bench`); do not edit by hand: rerun it. "
        "How the figures are taken and why each floor is what it is: see the end of this page.",
        "",
        f"- **Dataset**: {data['tasks']:,} tasks — "
        + ", ".join(f"{v:,} {k}" for k, v in data["dataset"].get("rows", {}).items() if v)
        + f"; reference day {data['dataset'].get('as_of')}.",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; "
        f"Python {m['python']}; "
        f"PostgreSQL {m['postgresql']} (shared_buffers {m['shared_buffers']}). {m['note']}.",
        f"- **Run**: {data['ran_at']}, commit `{data['commit']}`.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    for row in rows(figures):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines += ["", "## Details", ""]
    for f in figures:
        lines.append(f"- **{f.name}**: {f.runs} runs; floor: {f.floor or '—'}.")
        if f.note:
            lines.append(f"  {f.note}.")
        if f.extra:
            lines.append("  " + "; ".join(f"{k}: {v}" for k, v in f.extra.items()) + ".")
        failed = [label for label, ok in f.checks.items() if not ok]
        if failed:
            lines.append("  Missed: " + ", ".join(failed) + ".")
    if notes:
        lines += ["", notes.strip(), ""]
    return "\n".join(lines) + "\n"


#: How the figures are taken; appended to docs/benchmarks.md.
NOTES = ""
