"""Folding, the heart of search that forgives missing accents: "bao ve" finds "Bảo vệ".

Text is compared *folded*: lower case, without diacritics, đ/Đ as d. The database folds with
one function, ``fc_fold(text)``: on PostgreSQL an immutable SQL wrapper of ``unaccent``
created by migration tasks 0010 (every migration runs before anything serves, so a query may
call it from any app); on SQLite (``make run``) the Python ``fold`` below, registered on each
connection by ``sqlite_fold``. The query is folded in Python by that same ``fold``, so both
sides agree on both backends. See docs/decisions.md ("Search without accents").
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection as default_connection
from django.db.models import BooleanField, Func, QuerySet, TextField
from django.db.models.expressions import RawSQL

_SPACES = re.compile(r"\s+")
_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str | None:
    """Lower case, no diacritics, đ as d: what ``fc_fold`` does in the database."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def fold_query(text: str) -> str:
    """The words searched for, folded, with runs of spaces as one."""
    return _SPACES.sub(" ", fold(text) or "").strip()


def sqlite_fold(sender, connection, **kwargs) -> None:
    """On each new SQLite connection (``connection_created``), the ``fc_fold`` that PostgreSQL
    gets from a migration; SQLite has no unaccent."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("fc_fold", 1, fold, deterministic=True)


class Fold(Func):
    """``fc_fold(expression)``: the expression folded, in the database."""

    function = "fc_fold"
    output_field = TextField()


def like_pattern(words: str, *, start: bool = False) -> str:
    """A LIKE pattern (with ``ESCAPE '\\'``) for text holding ``words``, or starting with them."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if start else f"%{escaped}%"


def matching_ids(queryset: QuerySet, columns: tuple[str, ...], words: str) -> list[int]:
    """Ids of the rows of a small table (agencies, directives) whose folded columns hold the
    words: one ``fc_fold`` per row over the columns joined, so a match never spans two."""
    quote = default_connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    joined = " || ' | ' || ".join(f"{table}.{quote(c)}" for c in columns)
    # Only quoted model column names are interpolated; the words are parameters.
    where = RawSQL(  # noqa: S611
        f"fc_fold({joined}) LIKE %s ESCAPE '\\'", [like_pattern(words)], output_field=BooleanField()
    )
    return list(queryset.filter(where).values_list("pk", flat=True))
