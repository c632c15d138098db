"""Who receives a rung: the responsible official, then the focal point and the accountable
leader, then the Government Office's monitors, read for a whole chunk of tasks at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection as db_connection
from django.db.models import Exists, F, Lookup, OuterRef, Q, Value

from agencies.choices import Role
from agencies.models import Official
from notifications.choices import Level
from notifications.models import NotificationPreference


@dataclass
class People:
    """What the sweep needs to know about the people of a chunk of tasks, in three queries."""

    info: dict[
        int, tuple[str, str, bool, str, str, str]
    ]  # id -> (email, language, active, role, name, username)
    focal_points: dict[int, list[int]]  # agency id -> focal point ids
    monitors: list[int]
    digest: set[int]


def field_in(field: str, values: Iterable[int]) -> Q:
    """``field IN values``; on PostgreSQL ``field = ANY(array)``, one parameter however many
    values (an IN list of thousands of placeholders costs more to build than to run)."""
    values = sorted(set(values))
    if db_connection.vendor == "postgresql":
        return Q(_EqualsAny(F(field), Value(values)))
    return Q(**{f"{field}__in": values})


class _EqualsAny(Lookup):
    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def load_people(rows: list[tuple]) -> People:
    """One query (three index lookups, united): the chunk's officials, the active focal points
    of its lead agencies, and the active monitors, each with whether they asked for a daily
    digest."""
    agencies = {row[4] for row in rows if row[4]}
    ids = {pk for row in rows for pk in (row[2], row[3], row[5], row[6]) if pk}
    wants_digest = NotificationPreference.objects.filter(official_id=OuterRef("pk"), daily_digest=True)

    def officials(condition: Q):
        return (
            Official.objects.filter(condition)
            .annotate(daily=Exists(wants_digest))
            .order_by()
            .values_list(
                "id",
                "agency_id",
                "email",
                "language",
                "is_active",
                "role",
                "daily",
                "first_name",
                "last_name",
                "username",
            )
        )

    active = Q(is_active=True)
    found = officials(field_in("id", ids)).union(
        officials(field_in("agency_id", agencies) & Q(role=Role.FOCAL_POINT) & active),
        officials(Q(role=Role.MONITOR) & active),
    )
    focal_points: dict[int, list[int]] = defaultdict(list)
    info: dict[int, tuple[str, str, bool, str, str, str]] = {}
    monitors: list[int] = []
    digest: set[int] = set()
    for pk, agency_id, email, language, is_active, role, daily, first, last, username in found:
        name = f"{first} {last}".strip() or username
        info[pk] = (email, language if language in ("vi", "en") else "vi", is_active, role, name, username)
        if is_active and role == Role.FOCAL_POINT and agency_id in agencies:
            focal_points[agency_id].append(pk)
        if is_active and role == Role.MONITOR:
            monitors.append(pk)
        if daily:
            digest.add(pk)
    # In id order, as the set-based sweep names them (sweep_sql): the same rows either way.
    return People(info, {k: sorted(v) for k, v in focal_points.items()}, sorted(monitors), digest)


def recipient_entry(people: People, person: int, state: str) -> dict:
    """How a message names one of its people (``Reminder.recipients``)."""
    email, _language, _active, _role, name, username = people.info[person]
    # The message's language is the row's, not repeated here: every byte is written some
    # 50,000 times by a sweep at national scale.
    return {"id": person, "user": username, "name": name, "email": email, "state": state}


def recipients_for_level(
    level: int,
    *,
    responsible: int | None,
    supervisor: int | None,
    leader: int | None,
    creator: int | None,
    agency: int | None,
    people: People,
) -> list[int]:
    """Level 1: the responsible official. Level 2 adds the lead agency's focal points, the
    responsible official's supervisor and the accountable leader. Level 3 adds the
    Government Office monitor who entered the task, or every monitor when no monitor did."""
    chosen = [responsible]
    if level >= Level.AGENCY:
        chosen += people.focal_points.get(agency, []) if agency is not None else []
        chosen += [supervisor, leader]
    if level >= Level.GOVERNMENT_OFFICE:
        creator_info = people.info.get(creator) if creator else None
        if creator_info and creator_info[2] and creator_info[3] == Role.MONITOR:
            chosen.append(creator)
        else:
            chosen += people.monitors
    seen: list[int] = []
    for pk in chosen:
        if pk and pk not in seen and people.info.get(pk, ("", "", False, "", "", ""))[2]:
            seen.append(pk)
    return seen
