"""Plumbing that every app shares and that knows no domain: the API's pagination, strict query
parameters, error answers, throttles, renderers and schema helpers, and the generation cache.

Imports run one way (docs/architecture.md): ``notifications -> tasks -> agencies -> common``;
nothing here imports an app.
"""
