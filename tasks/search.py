"""Search that forgives missing accents: "bao ve du lieu ca nhan" finds "Bảo vệ dữ liệu cá nhân".

Text is compared *folded*: lower case, without diacritics, đ/Đ as d. The database folds with
one function, ``fc_fold(text)``: on PostgreSQL an immutable SQL wrapper of ``unaccent`` (with
đ translated first: unaccent's rules leave it alone in some versions) created by migration
0010, with GIN trigram indexes (pg_trgm); on SQLite (``make run``) the Python ``fold`` of
``common.search``, registered on each connection. The query is folded in Python by that same
``fold``, so both sides agree on both backends.

Each task keeps its folded code and title in a stored column the database computes
(``Task.search_text``, migration 0012), with the trigram index on it: measured, reading it
beats an index on the expression, which must unaccent every candidate row again to recheck
and rank it. A task matches when the folded query appears in its code or title, in its
directive's number, or in its lead agency's code or names (Vietnamese and English). The
directive and agency matches are looked up first in their small tables, so that the task
table is read through its indexes only (a bitmap OR of the trigram index and the foreign-key
indexes). ``search_rank`` orders the matches, best first; see docs/decisions.md ("Search
without accents").
"""

from __future__ import annotations

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest, Length, StrIndex
from django.db.models.lookups import Exact

from agencies.models import Agency
from common.search import fold, fold_query, matching_ids, sqlite_fold
from tasks.models import Directive

#: The annotation that ranks search results (bigger is better), and the keyset ordering on it.
RANK = "search_rank"


def task_text(code: str | None, title: str | None) -> str | None:
    """What a task's own text is searched in: its code and its title, folded (``fc_task_text``)."""
    if code is None or title is None:
        return None
    return fold(f"{code} {title}")


def sqlite_functions(sender, connection, **kwargs) -> None:
    """On each new SQLite connection (``connection_created``), the folding functions that
    PostgreSQL gets from migration 0010; SQLite has no unaccent."""
    if connection.vendor == "sqlite":
        sqlite_fold(sender, connection, **kwargs)
        connection.connection.create_function("fc_task_text", 2, task_text, deterministic=True)


def task_search(queryset: QuerySet, text: str) -> QuerySet:
    """The tasks of ``queryset`` that ``text`` finds, each annotated with its ``search_rank``.

    The rank, bigger first: the code itself (3000) or a code starting with the words (2500); then
    the title starting with them (1500), holding them from a word's start (1200) or inside a
    word (1000); the directive's number (800); the lead agency (500); plus up to 999 for how
    much of the title the words make (a short title that is mostly the query before a long
    one). Every term reads the stored ``search_text`` (the folded code, a space, the folded
    title: codes hold no spaces) or plain columns, so ranking calls no unaccent per row.
    """
    words = fold_query(text)
    if not words:
        return queryset
    directives = matching_ids(Directive.objects.all(), ("number",), words)
    agencies = matching_ids(Agency.objects.all(), ("code", "name_vi", "name_en"), words)
    condition = Q(search_text__contains=words)
    if directives:
        condition |= Q(directive_id__in=directives)
    if agencies:
        condition |= Q(lead_agency_id__in=agencies)
    first_space = StrIndex(F("search_text"), Value(" "))
    title_start = Exact(StrIndex(F("search_text"), Value(f" {words}")), first_space)
    rank = (
        Case(
            When(search_text__startswith=f"{words} ", then=3000),
            When(search_text__startswith=words, then=2500),
            default=0,
        )
        + Case(
            When(title_start, then=1500),
            When(search_text__contains=f" {words}", then=1200),
            When(search_text__contains=words, then=1000),
            default=0,
        )
        + Case(When(directive_id__in=directives or [0], then=800), default=0)
        + Case(When(lead_agency_id__in=agencies or [0], then=500), default=0)
        + Case(
            When(title="", then=0),
            default=Value(999 * len(words)) / Greatest(Length("title"), Value(len(words))),
        )
    )
    return queryset.filter(condition).annotate(**{RANK: ExpressionWrapper(rank, output_field=IntegerField())})
