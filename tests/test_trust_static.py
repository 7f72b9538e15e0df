"""Issue 21 item 5: the production static storage (hashed manifest) collects, and /healthz
says 503 when that storage is configured but its manifest is missing."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def _manifest_storage(settings, root):
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}


def test_every_source_map_a_static_file_names_is_there():
    missing = []
    for folder in django_settings.STATICFILES_DIRS:
        for path in Path(folder).rglob("*"):
            if path.suffix not in (".js", ".css") or not path.is_file():
                continue
            for name in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(errors="ignore")):
                if not name.startswith("data:") and not (path.parent / name).exists():
                    missing.append(f"{path} → {name}")
    assert missing == []


def test_collectstatic_with_the_production_manifest_storage_succeeds(settings, tmp_path):
    _manifest_storage(settings, tmp_path)
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    from django.contrib.staticfiles.storage import staticfiles_storage

    assert re.search(r"leaflet/leaflet\.[0-9a-f]{12}\.js$", staticfiles_storage.url("vendor/leaflet/leaflet.js"))


def test_healthz_answers_503_when_the_static_manifest_is_missing(client, settings, tmp_path):
    _manifest_storage(settings, tmp_path)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["static"].startswith("error") and "collectstatic" in body["static"]
    assert body["database"] == "ok"


def test_healthz_is_ok_with_a_collected_manifest(client, settings, tmp_path):
    _manifest_storage(settings, tmp_path)
    call_command("collectstatic", interactive=False, verbosity=0)
    response = client.get("/healthz")
    assert response.json()["static"] == "ok"
    assert response.status_code == 200
