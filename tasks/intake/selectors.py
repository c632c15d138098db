"""Reads of the intake: the rules and gazetteer compiled for the parser, and group members."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import Q
from django.http import Http404

from agencies.models import Agency
from tasks.intake.models import (
    AgencyAlias,
    AgencyGroup,
    ClauseCue,
    CueKind,
    DeadlinePattern,
    DraftBatch,
    RecurrencePattern,
    ResultPattern,
)
from tasks.intake.parser import (
    Cues,
    DeadlineRule,
    Entity,
    EntityMatcher,
    RecurrenceRule,
    ResultRule,
    Rules,
    literal_gate,
)

FLAGS = re.IGNORECASE


def agency_group_members(group: AgencyGroup) -> list[str]:
    """Codes of a group's members: active agencies of its kinds plus its explicit members."""
    query = Q(pk__in=group.members.values("pk"))
    if group.kinds:
        query |= Q(kind__in=group.kinds)
    return list(Agency.objects.filter(query, is_active=True).order_by("code").values_list("code", flat=True))


def _entities() -> EntityMatcher:
    """The register's names and codes, the aliases and the groups, in three queries: the
    members of every group are worked out from one list of active agencies."""
    names: dict[str, Entity] = {}
    codes: dict[str, Entity] = {}
    active = list(Agency.objects.filter(is_active=True).only("pk", "code", "kind", "name_en", "name_vi"))
    for agency in active:
        entity = Entity(agency.code, (agency.code,), False)
        codes[agency.code] = entity
        for name in (agency.name_en, agency.name_vi):
            if name:
                names[name] = entity
    aliases = AgencyAlias.objects.filter(is_active=True, agency__is_active=True)
    for alias, code in aliases.values_list("alias", "agency__code"):
        names[alias] = Entity(code, (code,), False)
    for group in AgencyGroup.objects.filter(is_active=True).prefetch_related("members"):
        explicit = {member.pk for member in group.members.all()}
        members = sorted(a.code for a in active if a.kind in (group.kinds or []) or a.pk in explicit)
        names[group.phrase] = Entity(group.phrase, tuple(members), True)
    kinds: dict[str, list[str]] = defaultdict(list)
    for agency in active:
        kinds[agency.kind].append(agency.code)
    return EntityMatcher(names, codes, {kind: tuple(sorted(members)) for kind, members in kinds.items()})


def _inflected(phrase: str, past: bool = True) -> tuple[str, str]:
    """An English verb with its -s/-ed forms (-s only without ``past``), and its -ing form
    ("organi[sz]e" → "organizing")."""
    head, _, rest = phrase.partition(" ")
    rest = (r"\s+" + re.sub(r"\s+", r"\\s+", rest)) if rest else ""
    if head.endswith("e"):
        stem = head[:-1]
        return stem + (r"(?:e|es|ed)" if past else r"(?:e|es)") + rest, stem + r"ing" + rest
    if re.search(r"[^aeiou]y$", head):
        stem = head[:-1]
        return stem + (r"(?:y|ies|ied)" if past else r"(?:y|ies)") + rest, head + r"ing" + rest
    # "submit" → "submitted": a final consonant after a short vowel doubles.
    doubled = head[-1] + "ed|" if past and re.search(r"[^aeiou][aeiou][bdgmnprt]$", head) else ""
    return head + r"(?:" + doubled + (r"s|es|ed)?" if past else r"s|es)?") + rest, head + r"ing" + rest


def _alternation(phrases: list[str]) -> str:
    return "|".join(sorted(phrases, key=len, reverse=True))


def _cues(rows: list[ClauseCue], language: str) -> Cues:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row.phrase)
    cues = Cues()
    verbs = by_kind.get(CueKind.ACTION_VERB, [])
    if verbs:
        if language == "en":
            forms = [_inflected(v) for v in verbs]
            cues.action_verb = re.compile(r"(?:" + _alternation([f for f, _ in forms]) + r")\b", FLAGS)
            cues.action_verb_ing = re.compile(r"(?:" + _alternation([g for _, g in forms]) + r")\b", FLAGS)
            present = [_inflected(v, past=False)[0] for v in verbs]
            cues.action_verb_base = re.compile(r"(?:" + _alternation(present) + r")\b", FLAGS)
        else:
            cues.action_verb = re.compile(r"(?:" + _alternation(verbs) + r")\b", FLAGS)
    for kind, attr in (
        (CueKind.MODAL, "modal"),
        (CueKind.REQUEST, "request"),
        (CueKind.LEAD, "lead"),
        (CueKind.COORDINATION, "coordination"),
        (CueKind.VAGUE_PARTY, "vague_party"),
        (CueKind.DEADLINE_CLAUSE, "deadline_clause"),
    ):
        phrases = by_kind.get(kind, [])
        if phrases:
            setattr(cues, attr, re.compile(r"\b(?:" + _alternation(phrases) + r")(?![\w])", FLAGS))
    discourse = by_kind.get(CueKind.DISCOURSE, [])
    if discourse:
        cues.discourse = re.compile(r"(?:" + _alternation(discourse) + r")(?![\w])\s*", FLAGS)
    for phrase in by_kind.get(CueKind.EXCLUDE, []):
        target = cues.exclude_sentence if phrase.startswith("^") else cues.exclude_clause
        target.append(re.compile(phrase, FLAGS))
    return cues


def intake_rules() -> Rules:
    """Everything the parser needs, compiled from the active rows of the rule tables."""
    deadlines: dict[str, list[DeadlineRule]] = defaultdict(list)
    for deadline in DeadlinePattern.objects.filter(is_active=True):
        regex = re.compile(deadline.regex, FLAGS)
        deadlines[deadline.language].append(
            DeadlineRule(
                name=deadline.name,
                regex=regex,
                gate=literal_gate(regex),
                resolution=deadline.resolution,
                offset_days=deadline.offset_days,
                fixed_date=deadline.fixed_date,
                priority=deadline.priority,
            )
        )
    results: dict[str, list[ResultRule]] = defaultdict(list)
    for result in ResultPattern.objects.filter(is_active=True):
        regex = re.compile(result.regex, 0 if result.case_sensitive else FLAGS)
        results[result.language].append(
            ResultRule(
                name=result.name,
                regex=regex,
                gate=literal_gate(regex),
                result_kind=result.result_kind,
                unit=result.unit,
                priority=result.priority,
            )
        )
    recurrences: dict[str, list[RecurrenceRule]] = defaultdict(list)
    for recurrence in RecurrencePattern.objects.filter(is_active=True):
        regex = re.compile(recurrence.regex, FLAGS)
        recurrences[recurrence.language].append(
            RecurrenceRule(regex, recurrence.recurrence, gate=literal_gate(regex))
        )
    cue_rows: dict[str, list[ClauseCue]] = defaultdict(list)
    for cue in ClauseCue.objects.filter(is_active=True):
        cue_rows[cue.language].append(cue)
    return Rules(
        entities=_entities(),
        deadlines=dict(deadlines),
        results=dict(results),
        recurrences=dict(recurrences),
        cues={language: _cues(rows, language) for language, rows in cue_rows.items()},
    )


def draft_batch_get_for_user(*, user, batch_id: int) -> DraftBatch:
    """The batch a monitor is reviewing: only its reader sees it (anyone else: not found)."""
    batch = DraftBatch.objects.select_related("directive").filter(pk=batch_id, created_by_id=user.pk).first()
    if batch is None or not user.is_monitor:
        raise Http404
    return batch
