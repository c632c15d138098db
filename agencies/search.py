"""Agencies and officials found by words typed without accents ("cong an" finds Bộ Công an,
"nguyen thi ha" finds Nguyễn Thị Hà), best match first: what the filters' pickers ask.

A row matches when the folded query (``common.search``) appears in one ``fc_fold`` of its
searched columns joined, so each row is folded once to be tested; the few matches are then
ranked by ``search_tier``, smaller first: the code or username itself (0), starting with the
words (1), a name starting with them (2), a word of a name starting with them (3), anything
else (4). Ties go by code or username, so the tier and that unique key make a keyset order.
An official's full name is searched both ways round (family name first, as Vietnamese writes
it, and given name first, as ``get_full_name`` does): the parts are separate columns.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.db.models.lookups import Contains, Exact, StartsWith

from common.search import Fold, fold_query

#: The annotation that ranks the matches (smaller is better) and leads the ``relevance`` order.
TIER = "search_tier"

_SEP = Value(" | ")
_SPACE = Value(" ")


def _ranked(queryset: QuerySet, words: str, haystack, keys: tuple, names: tuple) -> QuerySet:
    """The rows whose folded ``haystack`` holds the words, each with its ``search_tier``."""
    keys = tuple(Fold(k) for k in keys)
    names = tuple(Fold(n) for n in names)
    tier = Case(
        When(Q(*(Exact(k, words) for k in keys), _connector=Q.OR), then=0),
        When(Q(*(StartsWith(k, words) for k in keys), _connector=Q.OR), then=1),
        When(Q(*(StartsWith(n, words) for n in names), _connector=Q.OR), then=2),
        When(Q(*(Contains(n, f" {words}") for n in names), _connector=Q.OR), then=3),
        default=4,
        output_field=IntegerField(),
    )
    return queryset.filter(Contains(Fold(haystack), words)).annotate(**{TIER: tier})


def agency_search(queryset: QuerySet, text: str) -> QuerySet:
    """The agencies of ``queryset`` whose code or names (Vietnamese, English) hold ``text``."""
    words = fold_query(text)
    if not words:
        return queryset
    haystack = Concat("code", _SEP, "name_vi", _SEP, "name_en")
    return _ranked(queryset, words, haystack, ("code",), ("name_vi", "name_en"))


def official_search(queryset: QuerySet, text: str) -> QuerySet:
    """The officials of ``queryset`` whose username or full name (either way round) holds ``text``."""
    words = fold_query(text)
    if not words:
        return queryset
    family_first = Concat("last_name", _SPACE, "first_name")
    given_first = Concat("first_name", _SPACE, "last_name")
    haystack = Concat("username", _SEP, family_first, _SEP, given_first)
    return _ranked(queryset, words, haystack, ("username",), (family_first, given_first))
