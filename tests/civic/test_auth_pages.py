"""Log in, log out, reset a password, and get locked out after repeated failures (axes)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_then_logout_returns_home(client):
    UserFactory(username="amy")
    response = client.post(reverse("login"), {"username": "amy", "password": "pass-1234-word"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"].is_authenticated
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_password_reset_flow_sets_a_new_password(client):
    UserFactory(username="amy", email="amy@example.org")
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200 and "重置密码" in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "amy@example.org"}, follow=True)
    assert 'data-reset="sent"' in response.content.decode()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "neue-Passwort-77", "new_password2": "neue-Passwort-77"},
        follow=True,
    )
    assert 'data-reset="complete"' in done.content.decode()
    login = client.post(reverse("login"), {"username": "amy", "password": "neue-Passwort-77"})
    assert login.status_code == 302
    client.post(reverse("logout"))
    # The link works once.
    again = client.get(link, follow=True)
    assert 'data-reset="invalid"' in again.content.decode()


def test_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert 'data-reset="sent"' in response.content.decode() and mail.outbox == []


def test_five_failed_logins_lock_the_account(client):
    UserFactory(username="amy")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "amy", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post(reverse("login"), {"username": "amy", "password": "wrong"})
    assert response.status_code == 429
    assert 'data-locked="true"' in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "amy", "password": "pass-1234-word"})
    assert response.status_code == 429
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_lockout_behind_a_trusted_proxy_is_per_client(client, settings):
    """Axes takes the client address the rate limits take: behind the proxy, one client's
    failures do not lock the account for another."""
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="amy")

    def login_from(client_ip, password="wrong"):
        return client.post(
            reverse("login"),
            {"username": "amy", "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {client_ip}",
        )

    assert [login_from("203.0.113.7").status_code for _ in range(4)] == [200] * 4
    locked = login_from("203.0.113.7")
    assert locked.status_code == 429 and 'data-locked="true"' in locked.content.decode()
    assert locked["Retry-After"] == "1800"  # AXES_COOLOFF_HOURS=0.5
    assert login_from("198.51.100.1", "pass-1234-word").status_code == 302
