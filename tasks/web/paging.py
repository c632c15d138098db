"""Keyset pages for the web lists, by the API's own paginator (``common.api.pagination``).

A numbered page needs a COUNT for "page 3 of 20" and an OFFSET that reads and throws away
every row before it; at a million tasks both take longer than the page itself. The web lists
page as ``/api/v1/tasks/`` does: the next page starts after the last row shown, by the same
opaque ``cursor`` and the same orderings, so a page costs the same at any depth.

Page rows of a table (the dashboard's agencies, the clarity index's rows) are already counted
in memory by one grouped query; they are cut into pages with ``list_page``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request

from common.api.pagination import KeysetPagination

PAGE_SIZE = 50
#: The page parameter of a keyset list, as the API names it.
CURSOR = "cursor"


@dataclass
class KeysetPage:
    """One page of rows, the cursor of the next (None on the last) and whether it is the first."""

    object_list: list
    next_cursor: str | None
    first: bool


def keyset_page(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    orderings: dict[str, tuple[str, ...]],
    default: str,
    page_size: int = PAGE_SIZE,
) -> KeysetPage:
    """The page of ``queryset`` after the request's ``cursor`` in the ``ordering`` it names (else
    ``default``), as plain rows holding the ordering's keys and ``id``. A cursor that does not
    belong to the ordering is a ``ValidationError``, as it is a 400 in the API."""
    paginator = KeysetPagination()
    paginator.page_size = page_size
    view = SimpleNamespace(get_keyset_orderings=lambda: (orderings, default))
    drf_request = Request(request)
    try:
        _name, keys = paginator.get_ordering(drf_request, view)
        fields = {key.lstrip("-") for key in keys} | {"id"}
        rows = paginator.paginate_queryset(queryset.values(*sorted(fields)), drf_request, view)
    except APIValidationError as exc:
        messages = exc.detail.values() if isinstance(exc.detail, dict) else [exc.detail]
        raise ValidationError([str(m) for group in messages for m in group]) from None
    return KeysetPage(
        object_list=rows,
        next_cursor=paginator.next_cursor(),
        first=not request.GET.get(CURSOR),
    )


def keyset_links(request: HttpRequest, page: KeysetPage) -> dict[str, str | None]:
    """The links of a keyset page (``web/_keyset_pager.html``): the next page, the request's
    query with the next cursor; and, off the first page, the first, without one."""
    following = None
    if page.next_cursor:
        query = request.GET.copy()
        query[CURSOR] = page.next_cursor
        following = "?" + query.urlencode()
    first = None
    if not page.first:
        query = request.GET.copy()
        query.pop(CURSOR, None)
        first = "?" + query.urlencode()
    return {"next": following, "first": first}


@dataclass
class ListPage:
    """A page of rows already in memory, numbered (the rows are counted anyway)."""

    object_list: list
    number: int
    num_pages: int
    count: int
    everything: bool

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def list_page(rows: list, page: str | None, *, size: int, everything: bool = False) -> ListPage:
    """Rows ``size`` at a time (page 1 if ``page`` is not a page number), or all of them."""
    count = len(rows)
    if everything:
        return ListPage(object_list=rows, number=1, num_pages=1, count=count, everything=True)
    num_pages = max(math.ceil(count / size), 1)
    try:
        number = min(max(int(page or 1), 1), num_pages)
    except ValueError:
        number = 1
    start = (number - 1) * size
    return ListPage(
        object_list=rows[start : start + size],
        number=number,
        num_pages=num_pages,
        count=count,
        everything=False,
    )
