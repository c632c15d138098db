"""API tokens (django-rest-knox): they expire, die with a password change, and their owner
lists and revokes them; an administrator sees and revokes anyone's in the admin."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.choices import Role
from agencies.models import Official
from tests.api.conftest import client_for

PASSWORD = "pw-for-tests"  # the factories' password


def obtain(username: str, *, form: bool = False) -> dict:
    client = APIClient()
    body = {"username": username, "password": PASSWORD}
    if form:  # as curl -d sends it
        response = client.post(
            "/api/v1/auth/token/", urlencode(body), content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = bearer(token).get("/api/v1/agencies/").status_code
    assert status in (200, 401), status
    return status == 200


@pytest.mark.parametrize("form", [False, True])
def test_the_token_endpoint_takes_json_and_form_bodies_and_says_when_the_token_expires(postgres, world, form):
    answer = obtain("t.mps.focal", form=form)
    assert works(answer["token"])
    expiry = dt.datetime.fromisoformat(answer["expiry"])
    assert abs(expiry - timezone.now() - settings.REST_KNOX["TOKEN_TTL"]) < dt.timedelta(minutes=1)


def test_a_token_expires_after_its_time_to_live(postgres, world):
    token = obtain("t.mps.focal")["token"]
    with time_machine.travel(timezone.now() + settings.REST_KNOX["TOKEN_TTL"] - dt.timedelta(minutes=5)):
        assert works(token)
    with time_machine.travel(timezone.now() + settings.REST_KNOX["TOKEN_TTL"] + dt.timedelta(minutes=5)):
        assert not works(token)


def test_a_password_change_revokes_every_token_of_the_account(postgres, world):
    first, second = obtain("t.mps.focal")["token"], obtain("t.mps.focal")["token"]
    other = obtain("t.mic.focal")["token"]
    world.mps_focal.set_password("a-new-long-passphrase-2025")
    world.mps_focal.save()
    assert not works(first) and not works(second)
    assert works(other)


def test_a_password_hash_upgrade_at_login_is_not_a_change(postgres, world, settings):
    token = obtain("t.mps.focal")["token"]
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    login = Client().post("/accounts/login/", {"username": "t.mps.focal", "password": PASSWORD})
    assert login.status_code == 302  # signed in, and the hash upgraded to PBKDF2
    world.mps_focal.refresh_from_db()
    assert world.mps_focal.password.startswith("pbkdf2_")
    assert works(token)


def test_logout_revokes_the_token_it_is_sent_with_only(postgres, world):
    leaving, staying = obtain("t.mps.focal")["token"], obtain("t.mps.focal")["token"]
    response = bearer(leaving).post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert not works(leaving)
    assert works(staying)


def test_an_official_lists_and_revokes_their_own_tokens_and_no_one_elses(postgres, world):
    mine = [obtain("t.mps.focal")["token"] for _ in range(2)]
    theirs = obtain("t.mic.focal")["token"]
    listed = bearer(mine[0]).get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2
    assert {row["key"] for row in rows} == {token[: len(rows[0]["key"])] for token in mine}
    assert [row["current"] for row in rows].count(True) == 1
    assert not any(token in listed.content.decode() for token in [*mine, theirs])  # no secret shown
    # another official's token cannot be named: a 404, as for one that does not exist
    their_key = bearer(theirs).get("/api/v1/auth/tokens/").json()[0]["key"]
    assert bearer(mine[0]).delete(f"/api/v1/auth/tokens/{their_key}/").status_code == 404
    assert works(theirs)
    # their own second token goes
    second_key = next(row["key"] for row in rows if not row["current"])
    assert bearer(mine[0]).delete(f"/api/v1/auth/tokens/{second_key}/").status_code == 204
    assert not works(mine[1]) and works(mine[0])


def test_an_administrator_sees_and_revokes_anyones_tokens_in_the_admin(postgres, world):
    token = obtain("t.mic.focal")["token"]
    admin = Official.objects.create_superuser("t.admin", "admin@example.gov.vn", PASSWORD, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/knox/authtoken/")
    assert page.status_code == 200 and "t.mic.focal" in page.content.decode()
    row = AuthToken.objects.get(user=world.mic_focal)
    deleted = client.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not works(token)
    # a monitor is no administrator: the token list is not theirs to read
    monitor = Client()
    monitor.force_login(world.monitor)
    assert monitor.get("/admin/knox/authtoken/").status_code in (302, 403)


def test_the_test_clients_token_is_a_knox_token(postgres, world):
    assert client_for(world.monitor).get("/api/v1/agencies/").status_code == 200
    assert AuthToken.objects.filter(user=world.monitor).exists()
