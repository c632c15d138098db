"""Small presentation filters for the web app's templates (names by language, labels, rates)."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.utils.translation import get_language

from signatures.choices import Verdict, reason_label
from tasks.choices import TaskEventAction, Timeliness
from tasks.models import EvidenceFile, ExtensionRequest, Task

register = template.Library()


def _is_vi() -> bool:
    return (get_language() or "vi").startswith("vi")


@register.filter
def agency_name(agency) -> str:
    """An Agency, or a backlog row dict, named in the page's language."""
    if agency is None:
        return ""
    if isinstance(agency, dict):
        name = agency.get("lead_agency__name_vi") if _is_vi() else agency.get("lead_agency__name_en")
        return name or ""
    return agency.name_vi if _is_vi() else agency.name_en


@register.filter
def timeliness_label(value) -> str:
    try:
        return str(Timeliness(value).label)
    except ValueError:
        return ""


@register.filter
def rate(value) -> str:
    """A share from 0 to 1 as a whole percentage; an em dash when there is none."""
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


@register.filter
def get_item(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes (the lockout's cool-off)."""
    try:
        return round(value.total_seconds() / 60)
    except AttributeError:
        return 0


@register.filter
def verdict_label(value) -> str:
    try:
        return str(Verdict(value).label)
    except ValueError:
        return ""


@register.filter
def signature_reason(code) -> str:
    return reason_label(code or "")


@register.filter
def event_label(action: str) -> str:
    """A history entry's action in words; an action the choices do not know shows as stored."""
    try:
        return str(TaskEventAction(action).label)
    except ValueError:
        return action


@register.filter
def task_field_label(name: str) -> str:
    """A Task field's own verbose name, for the changes listed in the history."""

    for model in (Task, ExtensionRequest, EvidenceFile):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, Field):  # not a reverse relation, which has no verbose name
            return str(field.verbose_name)
    return name


@register.filter
def history_value(value, name: str = "") -> str:
    """A value kept in the history, with ISO dates written as Vietnamese officials write them
    and a signature verdict in words."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "signature_verdict":
        return verdict_label(value) or str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text
