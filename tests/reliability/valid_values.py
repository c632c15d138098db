"""Valid values for every filter of every list endpoint, taken from the data a caller sees.

Random strings are refused before they reach a query (an agency code that does not exist is a
400), so a fuzzer that invents values never runs the filters' queries: ``/officials/?agency=MPS``
answered 500 for months. Here each list endpoint is found in the OpenAPI schema, its FilterSet
through the URL conf, and each filter's values come from the database as the caller may see it
(codes, usernames, choices, dates and words of the rows the caller is shown). A filter whose
kind this module does not know fails the sweep, so a new filter cannot go untested.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import django_filters as filters
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from common.api.filtersets import ListFilterSet
from common.api.pagination import KeysetPagination

PAGING = {KeysetPagination.cursor_query_param, KeysetPagination.page_size_query_param}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Model filters: codes seen in the caller's rows, most frequent first, at most this many,
#: plus a few valid ones the caller does not see (a valid value with no rows is an empty page).
MOST_SEEN = 10
UNSEEN = 2

#: Filters whose rows show what they filter under another name, or under several (a task's
#: agency is its lead or one of its coordinators): the check needs every name in the row.
ROW_KEYS = {
    "responsible": ("responsible_official",),
    "agency": ("lead_agency", "coordinating_agencies"),
}


#: Values valid only beside another parameter: the parameter, given its first valid value.
COMPANIONS = {("ordering", "relevance"): "search"}


@dataclass
class Endpoint:
    path: str
    filterset_class: type | None  # None: the view validates its few parameters itself
    parameters: dict[str, dict]  # name -> its schema
    rows_key: str = "results"
    rows: list[dict] = field(default_factory=list)

    def rows_of(self, body) -> list[dict]:
        """The rows of an answer; none when the caller may not use the list at all (a 403)."""
        return body if isinstance(body, list) else body.get(self.rows_key, [])


def list_endpoints() -> list[Endpoint]:
    """Every GET endpoint of the schema without a path parameter that takes query parameters,
    with the FilterSet its view validates them with."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in sorted(schema["paths"].items()):
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        parameters = {p["name"]: p.get("schema", {}) for p in get.get("parameters", []) if p["in"] == "query"}
        if not set(parameters) - PAGING:
            continue  # no filter to sweep (a paged list only)
        match = resolve(path)
        view = match.func.cls(**getattr(match.func, "initkwargs", {}))
        actions = getattr(match.func, "actions", None)
        view.action = actions.get("get") if actions else None
        chooser = getattr(view, "filterset_for_action", None)
        filterset_class = chooser() if chooser else getattr(view, "filterset_class", None)
        rows_key = "rows" if set(PAGING).isdisjoint(parameters) else "results"
        found.append(Endpoint(path, filterset_class, parameters, rows_key))
    # endpoints with a FilterSet first: the others borrow values of same-named filters
    return sorted(found, key=lambda endpoint: endpoint.filterset_class is None)


def all_rows(get: Callable[[str], Any], endpoint: Endpoint) -> list[dict]:
    """Every row the caller is shown, unfiltered, following the pages."""
    rows: list[dict] = []
    path = endpoint.path + ("?page_size=100" if endpoint.rows_key == "results" else "")
    while path:
        body = get(path)
        rows += endpoint.rows_of(body)
        following = None if isinstance(body, list) else body.get("next")
        path = f"{urlsplit(following).path}?{urlsplit(following).query}" if following else None
    return rows


def _scalars(rows: list[dict]) -> Counter:
    seen: Counter = Counter()
    for row in rows:
        for value in row.values():
            for item in value if isinstance(value, list) else [value]:
                if item is not None and not isinstance(item, dict):
                    seen[str(item)] += 1
    return seen


def values_for(
    endpoint: Endpoint, user, endpoints: list[Endpoint], borrowed: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Valid values for each query parameter of the endpoint, as ``user`` may use them, from
    the rows of every endpoint that lists the same model (the backlog's rows are counts; the
    task list shows the tasks it counts). An endpoint without a FilterSet gets its schema's
    choices, or the values ``borrowed`` from a same-named filter elsewhere (an agency code is
    an agency code everywhere)."""
    if endpoint.filterset_class is None:
        values = {}
        for name, schema in endpoint.parameters.items():
            if name in PAGING:
                continue
            values[name] = [str(v) for v in schema.get("enum", []) if v] or list(
                (borrowed or {}).get(name, [])
            )
            assert values[name], f"{endpoint.path}: no valid value known for {name}"
        return values
    request = SimpleNamespace(user=user)
    filterset = endpoint.filterset_class(data={}, request=request)
    model = endpoint.filterset_class._meta.model
    rows = [
        row
        for other in endpoints
        if other.filterset_class is not None and other.filterset_class._meta.model is model
        for row in other.rows
    ]
    seen = _scalars(rows)
    dates = sorted({v for v in seen if ISO_DATE.match(v)})
    values: dict[str, list[str]] = {}
    for name in endpoint.parameters:
        if name in PAGING:
            continue
        assert name in filterset.filters, f"{endpoint.path}: the schema names {name}, the FilterSet does not"
        values[name] = _values(filterset, name, filterset.filters[name], request, seen, dates, rows)
        assert values[name], f"{endpoint.path}: no valid value known for {name}"
    return values


def _values(filterset, name, flt, request, seen: Counter, dates, rows) -> list[str]:
    if isinstance(flt, filters.ModelMultipleChoiceFilter | filters.ModelChoiceFilter):
        key = flt.extra.get("to_field_name") or "pk"
        valid = [str(v) for v in flt.get_queryset(request).order_by(key).values_list(key, flat=True)]
        shown = sorted((v for v in valid if v in seen), key=lambda v: (-seen[v], v))[:MOST_SEEN]
        return shown + [v for v in valid if v not in seen][:UNSEEN]
    if isinstance(flt, filters.MultipleChoiceFilter | filters.ChoiceFilter):
        return [str(value) for value, _label in flt.extra["choices"]]
    if isinstance(flt, filters.BooleanFilter):
        return ["true", "false"]
    if isinstance(flt, filters.DateFilter):
        picked = [dates[0], dates[len(dates) // 2], dates[-1]] if dates else []
        return [*sorted(set(picked)), dt.date.today().isoformat()]
    if isinstance(flt, filters.CharFilter):
        if flt.method == "filter_search":
            words = []
            for search_field in filterset.search_fields:
                for row in [row for row in rows if row.get(search_field)][:2]:
                    text = str(row[search_field])
                    words += [text, text.split()[0]] if text.split() else []
            return [*list(dict.fromkeys(words))[:6], "Bộ"]
        return list(dict.fromkeys(str(row[flt.field_name]) for row in rows if row.get(flt.field_name)))[:3]
    raise AssertionError(f"{name}: a {type(flt).__name__}, whose valid values this sweep does not know")


def check_rows(
    endpoint: Endpoint,
    name: str,
    value: str,
    rows: list[dict],
    occurrences: Callable[[int], list[dict]] | None = None,
) -> list[str]:
    """What is wrong with the rows answered to ``name=value``, where the rows show it. A
    standing task has no timeliness of its own: it answers a timeliness filter when one of its
    begun occurrences has it (docs/standing-tasks.md), so ``occurrences(task_id)`` is asked."""
    if endpoint.filterset_class is None:
        return [
            f"{name}={value} answered row {row.get('id', row)}"
            for row in rows
            if row.get(name, value) != value
        ]
    flt = endpoint.filterset_class.base_filters[name]
    wrong = []
    for row in rows:
        if isinstance(flt, filters.DateFilter) and flt.field_name in row:
            shown = row[flt.field_name]
            ok = shown is not None and (shown >= value if flt.lookup_expr == "gte" else shown <= value)
        elif flt.method == "filter_search":
            if endpoint.filterset_class.filter_search is not ListFilterSet.filter_search:
                continue  # a search of its own (ranked, accent-folded, over related names)
            texts = [str(row.get(f, "")) for f in endpoint.filterset_class.search_fields]
            if len(texts) != sum(f in row for f in endpoint.filterset_class.search_fields):
                continue
            ok = any(value.strip().casefold() in text.casefold() for text in texts)
        elif name == "ordering" or flt.method == "filter_nothing":
            continue
        elif name == "timeliness" and row.get("recurrence") and occurrences is not None:
            ok = any(o.get("timeliness") == value for o in occurrences(row["id"]))
        else:
            keys = ROW_KEYS.get(name, ())
            if not keys or not all(key in row for key in keys):
                keys = (flt.field_name if flt.field_name in row else name,)
            if keys[0] not in row:
                continue
            shown = set()
            for key in keys:
                item = row[key]
                shown |= {str(v).casefold() for v in (item if isinstance(item, list) else [item])}
            ok = value.casefold() in shown
        if not ok:
            wrong.append(f"{name}={value} answered row {row.get('id', row)}")
    return wrong


def values_by_path(endpoints: list[Endpoint], user) -> dict[str, dict[str, list[str]]]:
    """``values_for`` every endpoint (rows already read), same-named values shared."""
    borrowed: dict[str, list[str]] = {}
    found = {}
    for endpoint in endpoints:
        found[endpoint.path] = values_for(endpoint, user, endpoints, borrowed)
        for name, choices in found[endpoint.path].items():
            borrowed.setdefault(name, choices)
    return found
