"""Chinese first, English through the switcher; compiled catalogues match their sources."""

import pathlib

import polib
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
CATALOGUES = sorted(pathlib.Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_home_is_chinese_by_default_and_english_after_switching(client):
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in page and "我要反映" in page and "File a complaint" not in page
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    page = response.content.decode()
    assert '<html lang="en">' in page and "File a complaint" in page and "我要反映" not in page
    # The choice sticks (language cookie) and can be switched back.
    assert "File a complaint" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我要反映" in client.get(reverse("home")).content.decode()


def test_there_are_chinese_and_english_catalogues():
    assert {p.parent.parent.name for p in CATALOGUES} >= {"zh_Hans", "en"}


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_compiled_catalogue_is_up_to_date(po_path):
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run bin/compile_messages.py ({mo_path} missing)"
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(mo_path)}
    expected = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in po.translated_entries()
        if not e.obsolete
    }
    assert compiled == expected, "run bin/compile_messages.py"


def test_every_chinese_string_is_translated():
    po = polib.pofile(str(pathlib.Path(settings.BASE_DIR, "locale/zh_Hans/LC_MESSAGES/django.po")))
    missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    assert missing == [], f"{len(missing)} untranslated: {missing[:10]}"
