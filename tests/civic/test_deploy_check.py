"""`check --deploy` with the production settings reports only what README documents."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

# README "Production settings": HSTS preload is an opt-in commitment (SECURE_HSTS_PRELOAD=true).
DOCUMENTED = {"security.W021"}


def test_deploy_check_on_a_fresh_database_reports_only_documented_warnings(tmp_path):
    # conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment never does.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "civic.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "civic.example.org",
        # A database with no tables: the URL conf and checks must not query at import time.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = set(re.findall(r"^\S*: \(([\w.]+)\) ", result.stderr + result.stdout, re.M))
    assert found <= DOCUMENTED, result.stderr
    assert "Traceback" not in result.stderr


def test_collectstatic_with_the_production_storage_finds_every_referenced_file(tmp_path):
    # The manifest storage follows every url() and sourceMappingURL in CSS and JS and fails
    # the deploy on a missing file (leaflet.js names leaflet.js.map, which was not shipped).
    from django.core.management import call_command
    from django.test import override_settings

    # civic/settings/production.py's static storage (importing it needs a SECRET_KEY).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", "-v0")
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest
    assert list(tmp_path.glob("vendor/leaflet/leaflet.*.js.gz"))
