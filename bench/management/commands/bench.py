"""``make bench``: generate a national backlog, measure each figure against its floor, report.

Needs PostgreSQL, in a database of its own (its name must contain "bench", e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiveclear_bench``): the generator empties
the task and agency tables before it fills them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import api, exports, load, measure, report, search, web
from bench.generator import Sizes, generate
from bench.imports import import_confirm_figure, import_figure
from bench.intake import intake_figure
from bench.measure import Figure, sweep_figure
from bench.report import cpu_snapshot
from bench.signatures import signature_figures
from bench.webhooks import webhooks_figure

STEPS = (
    "backlog",
    "api",
    "search",
    "web",
    "export",
    "sweep",
    "scaling",
    "claim",
    "send",
    "import",
    "intake",
    "webhooks",
    "signatures",
    "load",
)


class Command(BaseCommand):
    help = "Generate a synthetic national dataset and measure the benchmark figures (issue 8)."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=100_000, help="tasks to generate (default 100,000)")
        parser.add_argument("--agencies", type=int, default=700)
        parser.add_argument("--officials", type=int, default=20_000)
        parser.add_argument("--due", type=int, default=None, help="tasks due on the day (default: 1%%)")
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (the median is kept)")
        parser.add_argument("--reuse", action="store_true", help="measure the data already generated")
        parser.add_argument("--only", default="", help=f"comma-separated steps among {', '.join(STEPS)}")
        parser.add_argument("--skip", default="", help="comma-separated steps to leave out")
        parser.add_argument("--load-seconds", type=float, default=15.0, help="duration of each load test")
        parser.add_argument("--load-clients", type=int, default=50)
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
            help="Redis database of the load test's servers (flushed before each server starts)",
        )
        parser.add_argument(
            "--no-uncached-load",
            action="store_true",
            help="leave out the backlog under load with BACKLOG_CACHE_SECONDS=0",
        )
        parser.add_argument("--send-count", type=int, default=10_000)
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs"), help="where to write")
        parser.add_argument("--no-write", action="store_true", help="print the table, write no docs")
        parser.add_argument("--json-out", default="", help="also write the figures' JSON here")
        parser.add_argument(
            "--merge",
            action="store_true",
            help="replace only the measured figures in the existing benchmarks.json (same task count),"
            " keep the others and the machine, note what was re-measured, and write benchmarks.md again",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--render",
            default="",
            metavar="JSON",
            help="measure nothing: write benchmarks.md again from a run's benchmarks.json (its figures)",
        )

    def handle(self, *args, **options):
        if options["render"]:
            self._render(options)
            return
        self._check_database()
        steps = self._steps(options)
        started_at = timezone.now()
        self.load_at_start = [round(x, 2) for x in os.getloadavg()]
        self.cpu_at_start = cpu_snapshot()
        # The query log of DEBUG would be timed too: off for the whole run.
        with override_settings(DEBUG=False):
            dataset = self._dataset(options)
            figures = self._measure(options, steps, dataset)
        self._report(options, figures, dataset, started_at)

    # --- set-up -----------------------------------------------------------------------------

    def _check_database(self) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://.../fiveclear_bench"
            )
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise CommandError(
                f"Refusing to wipe database {name!r}: the benchmark needs a database of its own whose name "
                "contains 'bench' (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiveclear_bench)."
            )
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(
                f"Cannot open the benchmark database {name!r} ({first}); create it with `createdb {name}` "
                "(or point DATABASE_URL at one), then run the benchmark again."
            ) from None
        # The database is the benchmark's own, to be filled anyway: bring its tables up to date
        # rather than fail on the first missing one.
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stderr.write(f"Migrating the benchmark database {name!r} first ({len(pending)} migrations).")
            call_command("migrate", interactive=False, verbosity=0)

    def _steps(self, options) -> list[str]:
        only = [s for s in options["only"].split(",") if s]
        skip = {s for s in options["skip"].split(",") if s}
        unknown = (set(only) | skip) - set(STEPS)
        if unknown:
            raise CommandError(
                f"Unknown steps: {', '.join(sorted(unknown))}; choose among {', '.join(STEPS)}"
            )
        return [s for s in (only or STEPS) if s not in skip]

    def _dataset(self, options) -> dict:
        if options["reuse"]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT obj_description('tasks_task'::regclass, 'pg_class')")
                comment = cursor.fetchone()[0] or ""
            if not comment.startswith("{"):
                raise CommandError("No generated dataset to reuse: run without --reuse first.")
            dataset = json.loads(comment)
            dataset["as_of"] = dt.date.fromisoformat(dataset["as_of"])
            self.stderr.write(
                f"Reusing the dataset of {dataset['generated_at']} ({dataset['tasks']:,} tasks)"
            )
            return dataset
        sizes = Sizes(
            tasks=options["tasks"],
            agencies=options["agencies"],
            officials=options["officials"],
            due=options["due"],
            seed=options["seed"],
        )
        summary = generate(sizes, progress=not options["no_progress"], stream=sys.stderr)
        dataset = {
            "tasks": sizes.tasks,
            "as_of": summary.as_of,
            "due": summary.due_tasks,
            "open_tasks": summary.open_tasks,
            "rows": {k: v for k, v in summary.rows.items() if v},
            "generation_s": round(summary.seconds, 1),
            "seed": sizes.seed,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "COMMENT ON TABLE tasks_task IS %s", [json.dumps(dataset, default=str)]
            )  # what --reuse reads back
        self.stderr.write(
            f"Generated {sizes.tasks:,} tasks in {summary.seconds:.1f}s "
            f"({summary.open_tasks:,} open, {summary.due_tasks:,} due on {summary.as_of})"
        )
        return dataset

    # --- the figures ------------------------------------------------------------------------

    def _measure(self, options, steps: list[str], dataset: dict) -> list:
        ctx = measure.Context.load(dataset["as_of"], options["runs"])
        figures = []

        def run(step: str, fn):
            if step not in steps:
                return
            self.stderr.write(f"[{step}] measuring ...")
            started = time.monotonic()
            result = fn()
            result = result if isinstance(result, list) else [result]
            # The cores are shared (other jobs may run beside the benchmark): each figure keeps
            # the load average (as uptime prints it) at the end of its step.
            load = [round(x, 2) for x in os.getloadavg()]
            for figure in result:
                figure.extra["load_average_1_5_15"] = load
            figures.extend(result)
            self.stderr.write(f"[{step}] done in {time.monotonic() - started:.1f}s")

        run("backlog", lambda: measure.backlog_figures(ctx))
        run("api", lambda: self._api(ctx))
        run("search", lambda: self._search(ctx))
        run("web", lambda: self._web(ctx))
        run("export", lambda: self._export(ctx))
        sweep: list[measure.Figure] = []

        def sweep_step() -> measure.Figure:
            # Kept for the scaling step, which sets the sweep against the table's size.
            sweep.append(measure.sweep_figure(ctx, dataset.get("due")))
            return sweep[-1]

        run("sweep", sweep_step)
        run("scaling", lambda: self._scaling(options, ctx, dataset, sweep[0] if sweep else None))
        run("claim", lambda: measure.claim_figure(ctx))
        run("send", lambda: measure.send_figure(ctx, count=options["send_count"]))
        run("import", lambda: self._import(ctx))
        run("intake", lambda: intake_figure(ctx))
        run("webhooks", lambda: webhooks_figure(ctx))
        run("signatures", lambda: signature_figures(ctx))
        run("load", lambda: self._load(options, ctx))
        return figures

    def _import(self, ctx):
        return [import_figure(ctx), import_confirm_figure(ctx)]

    def _api(self, ctx):
        if not self._routed(api.API_TASKS):
            return []
        return api.api_figures(ctx)

    def _search(self, ctx):
        if not self._routed(api.API_TASKS):
            return []
        return search.search_figures(ctx)

    def _web(self, ctx):
        if not self._routed(api.API_TASKS):
            return []
        return web.web_figures(ctx)

    def _export(self, ctx):
        if not self._routed("/tasks/export.csv"):
            return []
        return exports.export_figures(ctx)

    def _load(self, options, ctx):
        if not self._routed(api.API_TASKS):
            return []
        return load.load_figures(
            ctx,
            seconds=options["load_seconds"],
            clients=options["load_clients"],
            redis_url=options["redis_url"],
            uncached=not options["no_uncached_load"],
        )

    def _routed(self, path: str) -> bool:
        try:
            resolve(path)
        except Resolver404:
            self.stderr.write(f"{path} is not routed yet (the REST API): its figures are left out")
            return False
        return True

    def _scaling(self, options, ctx, dataset: dict, sweep):
        """The same sweep on a dataset a tenth the size with the same number due, generated in
        a second database by a child run of this command."""
        if sweep is None:
            raise CommandError("The scaling step needs the sweep step.")
        small_tasks = max(dataset["tasks"] // 10, dataset["due"] + 1)
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            raise CommandError("The scaling step needs DATABASE_URL.")
        name = connection.settings_dict["NAME"]
        small_url = url.rsplit("/", 1)[0] + f"/{name}_small"
        self._create_database(f"{name}_small")
        env = {**os.environ, "DATABASE_URL": small_url}
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(  # noqa: S603 (this command, fixed arguments)
                [
                    *manage,
                    "bench",
                    "--tasks",
                    str(small_tasks),
                    "--due",
                    str(dataset["due"]),
                    "--only",
                    "sweep",
                    "--runs",
                    str(options["runs"]),
                    "--no-write",
                    "--json-out",
                    out.name,
                    "--seed",
                    str(options["seed"]),
                    *(["--no-progress"] if options["no_progress"] else []),
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            small = json.loads(Path(out.name).read_text())["figures"][0]
        # The machine's load drifts (its cores are shared): time the big sweep again right
        # after the small one, so that the two medians come from the same minutes.
        again = sweep_figure(ctx, dataset.get("due"))
        return Figure(
            name=f"sweep scaling: {dataset['tasks']:,} vs {small_tasks:,} tasks, {dataset['due']:,} due",
            median_ms=again.median_ms,
            floor_ms=small["median_ms"],
            target_ratio=1.5,
            runs=again.runs,
            floor=f"the same sweep over {small_tasks:,} tasks (a second database, generated alike)",
            extra={
                "small_due_tasks": small["extra"]["due_tasks"],
                "small_reminders": small["extra"]["reminders_written"],
            },
            checks={"same due count": small["extra"]["due_tasks"] == sweep.extra["due_tasks"]},
        )

    @staticmethod
    def _create_database(name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')

    # --- output -----------------------------------------------------------------------------

    def _render(self, options) -> None:
        data = json.loads(Path(options["render"]).read_text())
        figures = report.figures_from(data)
        self.stdout.write(report.table(figures))
        out = Path(options["out"])
        (out / "benchmarks.md").write_text(report.markdown(data, figures, report.NOTES))
        self.stderr.write(f"Wrote {out / 'benchmarks.md'} from {options['render']}")

    def _merge(self, out: Path, data: dict, figures) -> None:
        """Put the figures just measured into the committed run's JSON in place of those of the
        same name (new names are added at the end), keep every other figure and the run's
        machine and dataset, and record which figures were re-measured, when, and at what load."""
        path = out / "benchmarks.json"
        if not path.exists():
            raise CommandError(f"Nothing to merge into: {path} does not exist (run without --merge).")
        merged = json.loads(path.read_text())
        if merged["tasks"] != data["tasks"]:
            raise CommandError(
                f"{path} is a run over {merged['tasks']:,} tasks, this one over {data['tasks']:,}:"
                " not merged."
            )
        fresh = {item["name"]: item for item in data["figures"]}
        names = [item["name"] for item in merged["figures"]]
        merged["figures"] = [fresh.get(item["name"], item) for item in merged["figures"]]
        merged["figures"] += [item for name, item in fresh.items() if name not in names]
        merged.setdefault("remeasured", []).append(
            {
                "at": data["ran_at"],
                "commit": data["commit"],
                "figures": list(fresh),
                # which data: the run's, or a dataset generated again (report._remeasured_on)
                "dataset": {
                    key: data["dataset"].get(key) for key in ("generated_at", "as_of", "seed", "tasks")
                },
                "load_average_at_start": data["machine"]["load_average_at_start"],
                "load_average_at_end": data["machine"]["load_average_at_end"],
            }
        )
        report.write_json(path, merged)
        (out / "benchmarks.md").write_text(report.markdown(merged, report.figures_from(merged), report.NOTES))
        self.stderr.write(f"Merged {len(fresh)} figures into {path}; wrote {out / 'benchmarks.md'}")

    def _report(self, options, figures, dataset: dict, started_at) -> None:
        self.stdout.write(report.table(figures))
        data = report.payload(figures, tasks=dataset["tasks"], dataset=dataset, started=started_at)
        data["machine"]["load_average_at_start"] = self.load_at_start
        data["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        data["machine"]["busiest_other_processes"] = report.busiest_processes(
            self.cpu_at_start, exclude=os.getpid()
        )
        if options["json_out"]:
            report.write_json(Path(options["json_out"]), data)
        if options["no_write"]:
            return
        out = Path(options["out"])
        if options["merge"]:
            self._merge(out, data, figures)
            return
        out.mkdir(parents=True, exist_ok=True)
        report.write_json(out / "benchmarks.json", data)
        (out / "benchmarks.md").write_text(report.markdown(data, figures, report.NOTES))
        self.stderr.write(f"Wrote {out / 'benchmarks.md'} and {out / 'benchmarks.json'}")
