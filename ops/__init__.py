"""Operations: health and readiness probes, Prometheus metrics, request ids in logs and jobs,
error reporting. It reads every other app and none reads it (imports: ops -> notifications ->
tasks -> agencies -> common)."""
