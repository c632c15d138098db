"""Small presentation filters for the web app's templates (names by language, labels, rates)."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from tasks.choices import Clear, TaskStatus, Timeliness

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
def status_label(value) -> str:
    try:
        return str(TaskStatus(value).label)
    except ValueError:
        return str(value)


@register.filter
def clear_label(value) -> str:
    try:
        return str(Clear(value).label)
    except ValueError:
        return str(value)


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
