"""Shapes of agencies and officials in the API (output only: the register is kept in the
back office)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.choices import AgencyKind, Language, Role


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("Stable code other systems use (MPS, HANOI)."))
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.parent.
    parent = serializers.CharField(  # type: ignore[assignment]  # stubs miss the metaclass
        allow_null=True, help_text=_("Code of the parent agency.")
    )
    email = serializers.CharField()
    is_active = serializers.BooleanField(help_text=_("False once it ended: pickers leave it out."))
    valid_from = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(
        allow_null=True, help_text=_("The first day it no longer existed (a reorganisation).")
    )

    def to_representation(self, agency) -> dict:
        return {
            "id": agency.id,
            "code": agency.code,
            "name_vi": agency.name_vi,
            "name_en": agency.name_en,
            "kind": agency.kind,
            "parent": agency.parent.code if agency.parent_id else None,
            "email": agency.email,
            "is_active": agency.is_active,
            "valid_from": agency.valid_from.isoformat() if agency.valid_from else None,
            "ended_on": agency.ended_on.isoformat() if agency.ended_on else None,
        }


class OfficialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    agency = serializers.CharField(allow_null=True, help_text=_("Agency code."))
    position = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    supervisor = serializers.CharField(allow_null=True, help_text=_("Username of the supervisor."))

    def to_representation(self, official) -> dict:
        return {
            "id": official.id,
            "username": official.username,
            "full_name": official.get_full_name(),
            "agency": official.agency.code if official.agency_id else None,
            "position": official.position,
            "role": official.role,
            "language": official.language,
            "supervisor": official.supervisor.username if official.supervisor_id else None,
        }
