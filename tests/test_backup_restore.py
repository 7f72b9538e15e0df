"""The restore drill: scripts/backup.sh dumps a database with data and its media files,
scripts/restore.sh brings both back into a fresh database and an empty folder, and every
table has the same rows and every file the same bytes.

PostgreSQL only (the scripts use pg_dump / pg_restore): skipped with a message on SQLite."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from issues.models import Issue, IssuePhoto

from .evidence.images import jpeg_bytes, upload
from .issues.factories import IssueCategoryFactory
from .test_worker import ROOT, _database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore drill runs on PostgreSQL only (set DATABASE_URL)")
    for tool in ("pg_dump", "pg_restore", "psql", "tar", "sha256sum"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install postgresql-client)")


@pytest.fixture
def restore_db(postgres):
    """A fresh, empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = _database_url().rsplit("/", 1)[0] + f"/{name}"
    yield url
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row_counts(url):
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by 1")]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def _files(root):
    root = Path(root)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _run(script, *args, **env):
    return subprocess.run([str(ROOT / "scripts" / script), *map(str, args)],
                          env={**os.environ, **env}, capture_output=True, text=True)


def test_backup_and_restore_keep_every_row_and_file(city, restore_db, tmp_path):
    u = city.units
    issue = Issue.objects.create(category=IssueCategoryFactory(name="垃圾堆放"),
                                 description="路边垃圾堆放", region=u.a, responsible_unit=u.cg,
                                 status=Issue.Status.ASSIGNED, deadline=timezone.now())
    photo = IssuePhoto(issue=issue, kind=IssuePhoto.Kind.BEFORE)
    photo.file.save("before.jpg", upload(jpeg_bytes(seed=7)))
    source_url = _database_url()
    media = Path(settings.MEDIA_ROOT)
    assert (media / photo.file.name).exists()

    backup = tmp_path / "backup"
    done = _run("backup.sh", backup, DATABASE_URL=source_url, MEDIA_ROOT=media)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in backup.iterdir()} == {"db.dump", "media.tar.gz", "SHA256SUMS"}

    restored_media = tmp_path / "restored-media"
    done = _run("restore.sh", backup, DATABASE_URL=restore_db, MEDIA_ROOT=restored_media)
    assert done.returncode == 0, done.stderr

    counts = _row_counts(source_url)
    assert counts["issues_issue"] == 1 and counts["accounts_user"] == 9
    assert _row_counts(restore_db) == counts
    files = _files(media)
    assert photo.file.name in files
    assert _files(restored_media) == files

    import psycopg

    with psycopg.connect(restore_db) as conn:
        name, = conn.execute("select file from issues_issuephoto where id = %s",
                             [photo.pk]).fetchone()
    assert (restored_media / name).read_bytes() == (media / photo.file.name).read_bytes()

    # A restore never writes over data: a second run into the same targets is refused.
    again = _run("restore.sh", backup, DATABASE_URL=restore_db, MEDIA_ROOT=restored_media)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_restore_refuses_a_damaged_backup(postgres, restore_db, tmp_path):
    backup = tmp_path / "backup"
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.txt").write_text("证据")
    assert _run("backup.sh", backup, DATABASE_URL=_database_url(),
                MEDIA_ROOT=media).returncode == 0
    with open(backup / "media.tar.gz", "r+b") as f:
        f.seek(20)
        f.write(b"\0\0\0\0")
    done = _run("restore.sh", backup, DATABASE_URL=restore_db, MEDIA_ROOT=tmp_path / "out")
    assert done.returncode == 1
    assert "damaged" in done.stderr
    assert _row_counts(restore_db) == {}
