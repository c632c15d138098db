"""The API changes by additions only: every operation, parameter, request field and response
field of the first version (tests/api/schema_v1.yaml, the schema as commit f4f204b generated
it) is still in today's schema, with the same type, no new required input and no value of an
enumeration taken away. A client written against version 1 keeps working."""

from __future__ import annotations

from pathlib import Path

import yaml
from drf_spectacular.settings import spectacular_settings

BASELINE = Path(__file__).with_name("schema_v1.yaml")


class Contract:
    """Walks the old schema beside the new one and notes every removal or incompatible change."""

    def __init__(self, old: dict, new: dict):
        self.old, self.new, self.problems = old, new, []

    def _resolve(self, doc: dict, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def schema(self, old, new, where: str, *, request: bool, depth: int = 0) -> None:
        old, new = self._resolve(self.old, old), self._resolve(self.new, new)
        if depth > 10 or not isinstance(old, dict) or not isinstance(new, dict):
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for i, (a, b) in enumerate(zip(old.get(key, []), new.get(key, []), strict=False)):
                self.schema(a, b, f"{where}.{key}[{i}]", request=request, depth=depth + 1)
            if key in old and key not in new:
                self.problems.append(f"{where}: {key} gone")
        if old.get("type") and new.get("type") and old["type"] != new["type"]:
            self.problems.append(f"{where}: type {old['type']} -> {new['type']}")
        if old.get("format") and old.get("format") != new.get("format"):
            self.problems.append(f"{where}: format {old['format']} -> {new.get('format')}")
        if "enum" in old and "enum" in new and set(map(str, old["enum"])) - set(map(str, new["enum"])):
            self.problems.append(
                f"{where}: values gone {set(map(str, old['enum'])) - set(map(str, new['enum']))}"
            )
        for name, sub in old.get("properties", {}).items():
            if name not in new.get("properties", {}):
                self.problems.append(f"{where}.{name}: gone")
            else:
                self.schema(sub, new["properties"][name], f"{where}.{name}", request=request, depth=depth + 1)
        if request and set(new.get("required", [])) - set(old.get("required", [])):
            self.problems.append(
                f"{where}: newly required {set(new['required']) - set(old.get('required', []))}"
            )
        if "items" in old and "items" in new:
            self.schema(old["items"], new["items"], f"{where}[]", request=request, depth=depth + 1)

    def operation(self, where: str, old: dict, new: dict) -> None:
        params = {(p["name"], p["in"]): p for p in new.get("parameters", [])}
        before = {(p["name"], p["in"]) for p in old.get("parameters", [])}
        for p in old.get("parameters", []):
            if (p["name"], p["in"]) not in params:
                self.problems.append(f"{where}: parameter {p['name']} gone")
            else:
                self.schema(
                    p.get("schema"),
                    params[p["name"], p["in"]].get("schema"),
                    f"{where} ?{p['name']}",
                    request=True,
                )
        for key, p in params.items():
            if p.get("required") and key not in before:
                self.problems.append(f"{where}: new required parameter {key[0]}")
        new_bodies = (new.get("requestBody") or {}).get("content", {})
        for content_type, body in (old.get("requestBody") or {}).get("content", {}).items():
            if content_type not in new_bodies:
                self.problems.append(f"{where}: request body {content_type} gone")
            else:
                self.schema(
                    body.get("schema"), new_bodies[content_type].get("schema"), f"{where} body", request=True
                )
        for code, answer in old.get("responses", {}).items():
            new_answer = new.get("responses", {}).get(code)
            if new_answer is None:
                self.problems.append(f"{where}: answer {code} gone")
                continue
            for content_type, body in (answer.get("content") or {}).items():
                new_body = (new_answer.get("content") or {}).get(content_type)
                if new_body is None:
                    self.problems.append(f"{where} {code}: {content_type} gone")
                else:
                    self.schema(body.get("schema"), new_body.get("schema"), f"{where} {code}", request=False)

    def check(self) -> list[str]:
        for path, operations in self.old["paths"].items():
            for method, operation in operations.items():
                new = self.new["paths"].get(path, {}).get(method)
                if new is None:
                    self.problems.append(f"{method.upper()} {path}: gone")
                else:
                    self.operation(f"{method.upper()} {path}", operation, new)
        return self.problems


def _today() -> dict:
    """The schema as ``manage.py spectacular`` writes it (the baseline was made so)."""
    return spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)


def test_todays_api_keeps_every_part_of_version_1():
    old = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    assert len(old["paths"]) == 20  # the baseline is the whole first version
    assert Contract(old, _today()).check() == []


def test_the_contract_check_sees_a_removal_a_retyping_and_a_new_required_input():
    """The check itself can fail: on a copy of version 1 with three breaking edits."""
    old = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    broken = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    backlog = broken["paths"]["/api/v1/reports/backlog/"]["get"]
    backlog["parameters"] = [p for p in backlog["parameters"] if p["name"] != "ordering"]
    tasks = broken["paths"]["/api/v1/tasks/"]["get"]
    tasks["parameters"].append(
        {"name": "must", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    next(p for p in tasks["parameters"] if p["name"] == "as_of")["schema"]["type"] = "integer"
    problems = Contract(old, broken).check()
    assert "GET /api/v1/reports/backlog/: parameter ordering gone" in problems
    assert "GET /api/v1/tasks/: new required parameter must" in problems
    assert any(p.startswith("GET /api/v1/tasks/ ?as_of: type string -> integer") for p in problems)
