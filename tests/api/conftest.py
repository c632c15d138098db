"""The API's test world: the factories' agencies and officials, tasks made through the
services, and a client per caller authenticated with a real token."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from agencies.services import api_token_create
from tasks import services
from tests.factories import complete_task_fields


def token_for(user) -> str:
    """A real API token of the user (django-rest-knox, through the service)."""
    return api_token_create(official=user)[1]


def client_for(user, language: str = "en") -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def make_task(world, *, assign: bool = True, coordinating=None, **overrides):
    """A complete task of Notice 56 led by MPS (coordinated by MIC unless told), assigned."""
    task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        coordinating_agencies=[world.mic] if coordinating is None else coordinating,
        **complete_task_fields(world, **overrides),
    )
    if assign:
        task = services.task_assign(actor=world.monitor, task=task)
    return task


@pytest.fixture
def api(postgres, world):
    """Clients for each role of the permission matrix, and a task to act on."""
    clients = {
        "monitor": client_for(world.monitor),
        "lead_focal": client_for(world.mps_focal),
        "coordinating_focal": client_for(world.mic_focal),
        "other_focal": client_for(world.moj_focal),
        "leader": client_for(world.mps_leader),
        "anonymous": client_for(None),
    }
    return SimpleNamespace(world=world, clients=clients, make_task=lambda **kw: make_task(world, **kw))


AS_OF = dt.date(2025, 6, 1)
