import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the test run itself sets (the browser journeys allow sync ORM calls) is not production.
IGNORED_ENV = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _start(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in IGNORED_ENV}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=clean, capture_output=True, text=True, timeout=60)


def test_debug_off_without_a_key_refuses_to_start(tmp_path):
    result = _start(tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["django-insecure-abc", "change-me-please"])
def test_debug_off_with_a_default_key_refuses_to_start(tmp_path, key):
    result = _start(tmp_path, DEBUG="0", SECRET_KEY=key)
    assert result.returncode != 0
    assert "insecure" in result.stderr


def test_debug_off_with_a_real_key_starts(tmp_path):
    assert _start(tmp_path, DEBUG="0", SECRET_KEY="k" * 50).returncode == 0


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in IGNORED_ENV}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path), DEBUG="0",
                 SECRET_KEY="a-long-random-production-secret-" + "x9Q" * 10)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
