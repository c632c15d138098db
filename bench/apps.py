from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark is not product code: it is installed where it runs (dev, test
    settings) for its ``bench`` command, never in production."""

    name = "bench"
    verbose_name = "Benchmark"
