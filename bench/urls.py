"""The project's URLs plus the benchmark's floor views (used only by the benchmark)."""

from django.urls import include, path

from bench import floors

urlpatterns = [
    path("bench/floor/tasks/", floors.task_list_floor_view, name="bench_floor_tasks"),
    path("bench/floor/tasks-values/", floors.task_list_values_view, name="bench_floor_tasks_values"),
    path("bench/floor/backlog/", floors.backlog_floor_view, name="bench_floor_backlog"),
    path("", include("config.urls")),
]
