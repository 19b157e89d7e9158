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
