"""Keyset (cursor) pagination on a unique, stable order.

A page is "the next N rows after the last row the client saw", found with an index range
start, so the thousandth page costs what the first does. There is no OFFSET and no COUNT:
both grow with the table. The cursor is opaque to clients (base64 of JSON) and carries the
sort key values of the last row and the ordering it belongs to.

Orderings are declared per view as tuples of fields that end in a unique one (``id``,
``code``), all in the same direction, so that a row comparison ``(deadline, id) > (d, i)``
is the whole condition. A nullable first key (a standing task has no deadline) sorts its
NULLs last when ascending and first when descending, as PostgreSQL's btree does; the rows on
the far side of the NULL boundary are fetched by a second branch of a ``UNION ALL`` in the
same statement, so every page is still one query and each branch still starts at an index
position rather than filtering everything before it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import BooleanField, F, Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _encode(payload: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode("ascii").rstrip("=")


def _decode(token: str) -> dict:
    padded = token + "=" * (-len(token) % 4)
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, orjson.JSONDecodeError) as exc:
        raise ValueError from exc
    if not isinstance(payload, dict):
        raise ValueError
    return payload


class KeysetPagination(BasePagination):
    """Pagination by ``cursor`` and ``page_size``. The view's ``get_keyset_orderings()`` gives
    its orderings (name -> fields) and the default; the ``ordering`` query parameter picks one."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    # --- request parsing ------------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_ordering(self, request: Request, view) -> tuple[str, tuple[str, ...]]:
        orderings, default = view.get_keyset_orderings()
        name = request.query_params.get(self.ordering_query_param) or default
        try:
            return name, tuple(orderings[name])
        except KeyError:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        _("Unknown ordering %(name)s; use one of: %(choices)s.")
                        % {"name": name, "choices": ", ".join(orderings)}
                    ]
                }
            ) from None

    def _cursor_values(
        self, request: Request, model: type[Model], name: str, keys: tuple[str, ...], annotated=frozenset()
    ):
        raw = request.query_params.get(self.cursor_query_param)
        if raw in (None, ""):
            return None
        invalid = ValidationError({self.cursor_query_param: [_("This cursor is not valid here.")]})
        try:
            payload = _decode(raw)
        except ValueError:
            raise invalid from None
        values = payload.get("k")
        if payload.get("o") != name or not isinstance(values, list) or len(values) != len(keys):
            raise invalid
        parsed: list[Any] = []
        for key, value in zip(keys, values, strict=True):
            if key.lstrip("-") in annotated:
                # a computed key (a search's rank) is a whole number, never NULL
                if not isinstance(value, int) or isinstance(value, bool):
                    raise invalid
                parsed.append(value)
                continue
            field = model._meta.get_field(key.lstrip("-"))
            if not isinstance(field, Field):
                raise ValueError(f"keyset key {key} is not a column of {model.__name__}")
            if value is None:
                if not field.null:
                    raise invalid
                parsed.append(None)
                continue
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise invalid
            try:
                parsed.append(field.to_python(value))
            except (DjangoValidationError, ValueError, TypeError):
                raise invalid from None
        return parsed

    # --- the page ---------------------------------------------------------------------------

    def paginate_queryset(self, queryset: QuerySet | Sequence, request: Request, view=None) -> list:
        if not isinstance(queryset, QuerySet):
            raise TypeError("keyset pages are read from a queryset, not a list")
        self.request = request
        self.page_size_value = self.get_page_size(request)
        self.ordering_name, keys = self.get_ordering(request, view)
        model = queryset.model
        self.keys = keys
        annotated = frozenset(queryset.query.annotations)
        values = self._cursor_values(request, model, self.ordering_name, keys, annotated)
        limit = self.page_size_value + 1
        rows = list(self._page(queryset, model, keys, values, limit))
        self.has_next = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        self.last = rows[-1] if rows else None
        return rows

    def _page(self, queryset: QuerySet, model, keys, values, limit: int) -> QuerySet:
        descending = keys[0].startswith("-")
        names = [k.lstrip("-") for k in keys]
        if any(k.startswith("-") != descending for k in keys):
            raise ValueError("keyset orderings must use one direction for all their fields")
        if names[0] in queryset.query.annotations:
            return self._computed_page(queryset, names, values, descending, limit)
        first = model._meta.get_field(names[0])
        nullable = first.null and len(names) > 1
        ordered = queryset.order_by(*self._order_by(names, descending, nullable))
        if values is None:
            return ordered[:limit]
        table = model._meta.db_table
        if not nullable:
            return ordered.filter(self._row_after(table, names, values, descending))[:limit]
        head, tail = names[0], names[1:]
        if values[0] is not None and not descending:
            # ascending, NULLs last: the rest of the dated rows, then every undated one
            near = queryset.filter(self._row_after(table, names, values, descending))
            far = queryset.filter(**{f"{head}__isnull": True})
            return self._union(near, far, names, descending, nullable, limit)
        if values[0] is None and descending:
            # descending, NULLs first: the rest of the undated rows, then every dated one
            near = queryset.filter(**{f"{head}__isnull": True}).filter(
                self._row_after(table, tail, values[1:], descending)
            )
            far = queryset.filter(**{f"{head}__isnull": False})
            return self._union(near, far, names, descending, nullable, limit)
        if values[0] is None:
            # ascending, inside the NULLs at the end: only undated rows remain
            near = queryset.filter(**{f"{head}__isnull": True})
            return near.filter(self._row_after(table, tail, values[1:], descending)).order_by(
                *self._order_by(names, descending, nullable)
            )[:limit]
        # descending past the NULLs: a row comparison skips them (NULL compares to nothing)
        return ordered.filter(self._row_after(table, names, values, descending))[:limit]

    @staticmethod
    def _computed_page(queryset: QuerySet, names: list[str], values, descending: bool, limit: int):
        """A page ordered by a computed key (a search's rank, then ``id``): no index can start
        there, the matches are ranked and sorted anyway, so the row after the cursor is an OR
        of comparisons on the annotation."""
        order = [F(n).desc() if descending else F(n).asc() for n in names]
        ordered = queryset.order_by(*order)
        if values is None:
            return ordered[:limit]
        after = "lt" if descending else "gt"
        condition = Q()
        for i, name in enumerate(names):
            equal = dict(zip(names[:i], values[:i], strict=True))
            condition |= Q(**equal, **{f"{name}__{after}": values[i]})
        return ordered.filter(condition)[:limit]

    @staticmethod
    def _order_by(names: list[str], descending: bool, nullable: bool) -> list:
        if descending:
            return [
                F(n).desc(nulls_first=True) if (i == 0 and nullable) else F(n).desc()
                for i, n in enumerate(names)
            ]
        return [
            F(n).asc(nulls_last=True) if (i == 0 and nullable) else F(n).asc() for i, n in enumerate(names)
        ]

    @staticmethod
    def _row_after(table: str, names: list[str], values: list, descending: bool) -> RawSQL:
        """``(a, b) > (x, y)``: one index range start, which a chain of ORs is not."""
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(table)}.{quote(n)}" for n in names)
        marks = ", ".join(["%s"] * len(names))
        operator = "<" if descending else ">"
        sql = f"{columns} {operator} {marks}" if len(names) == 1 else f"({columns}) {operator} ({marks})"
        # Only quoted model column names are interpolated; every value is a parameter.
        return RawSQL(sql, list(values), output_field=BooleanField())  # noqa: S611

    def _union(self, near: QuerySet, far: QuerySet, names, descending, nullable, limit: int):
        order = self._order_by(names, descending, nullable)
        if not connection.features.supports_slicing_ordering_in_compound:
            # SQLite (the embedded mode): one OR, fine at its sizes
            return (near | far).order_by(*order)[:limit]
        # the one way to ask a queryset for its prefetches: a private attribute
        if near._prefetch_related_lookups:  # type: ignore[attr-defined]  # not in django-stubs
            # a combined query cannot prefetch: page plain rows (``.values()``) instead
            raise ValueError("keyset pages over a nullable key take querysets without prefetches")
        near = near.order_by(*order)[:limit]
        far = far.order_by(*order)[:limit]
        return near.union(far, all=True).order_by(*order)[:limit]

    # --- the response -------------------------------------------------------------------------

    def next_cursor(self) -> str | None:
        """The token of the page after this one (None on the last page): the API puts it in
        its ``next`` link, a web page in its "Next" link."""
        if not self.has_next or self.last is None:
            return None
        values = []
        for key in self.keys:
            name = key.lstrip("-")
            value = self.last[name] if isinstance(self.last, dict) else getattr(self.last, name)
            if isinstance(value, dt.date | dt.datetime):
                value = value.isoformat()
            values.append(value)
        return _encode({"o": self.ordering_name, "k": values})

    def _next_link(self) -> str | None:
        token = self.next_cursor()
        if token is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    def get_paginated_response(self, data) -> Response:
        return Response(OrderedDict([("next", self._next_link()), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": str(_("The next page, or null on the last page.")),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Opaque position from the previous page's `next` link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Rows per page (default %(default)s).") % {"default": self.page_size}),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
