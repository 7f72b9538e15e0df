"""The permission matrix every test file uses: one small city with two districts.

城关区 (district A) holds the office, two departments (城管局 with liaison, unit leader;
住建局 with liaison2), a street and a community; 高新区 (district B) has its own office.
"""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, Unit

from .factories import UnitFactory, UserFactory


@pytest.fixture
def city(db):
    root = UnitFactory(name="示范市", kind=Unit.Kind.CITY)
    a = UnitFactory(name="城关区", kind=Unit.Kind.DISTRICT, parent=root)
    office_unit = UnitFactory(name="城关区创城办", kind=Unit.Kind.OFFICE, parent=a)
    cg = UnitFactory(name="区城管局", kind=Unit.Kind.DEPARTMENT, parent=a)
    cg_team = UnitFactory(name="城管局一中队", kind=Unit.Kind.DEPARTMENT, parent=cg)
    zj = UnitFactory(name="区住建局", kind=Unit.Kind.DEPARTMENT, parent=a)
    street = UnitFactory(name="东街街道", kind=Unit.Kind.STREET, parent=a)
    community = UnitFactory(name="幸福社区", kind=Unit.Kind.COMMUNITY, parent=street)
    b = UnitFactory(name="高新区", kind=Unit.Kind.DISTRICT, parent=root)
    b_office = UnitFactory(name="高新区创城办", kind=Unit.Kind.OFFICE, parent=b)
    b_dept = UnitFactory(name="高新区城管局", kind=Unit.Kind.DEPARTMENT, parent=b)
    units = SimpleNamespace(root=root, a=a, office=office_unit, cg=cg, cg_team=cg_team, zj=zj,
                            street=street, community=community, b=b, b_office=b_office,
                            b_dept=b_dept)
    users = SimpleNamespace(
        office=UserFactory(username="office", unit=office_unit, role=Role.OFFICE),
        inspector=UserFactory(username="inspector", unit=office_unit, role=Role.INSPECTOR),
        leader=UserFactory(username="leader", unit=a, role=Role.LEADER),
        liaison=UserFactory(username="liaison", unit=cg, role=Role.LIAISON),
        unitleader=UserFactory(username="unitleader", unit=cg, role=Role.UNIT_LEADER),
        liaison2=UserFactory(username="liaison2", unit=zj, role=Role.LIAISON),
        pointchief=UserFactory(username="pointchief", unit=community, role=Role.POINT_CHIEF),
        office_b=UserFactory(username="office_b", unit=b_office, role=Role.OFFICE),
        liaison_b=UserFactory(username="liaison_b", unit=b_dept, role=Role.LIAISON),
    )
    return SimpleNamespace(units=units, users=users)


@pytest.fixture
def city_office(city):
    """The office of the city itself (示范市创城办): keeps the reference data the districts
    share (issue and point categories, the holiday calendar)."""
    unit = UnitFactory(name="示范市创城办", kind=Unit.Kind.OFFICE, parent=city.units.root)
    return UserFactory(username="office_city", unit=unit, role=Role.OFFICE)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it."""
    client = APIClient()

    def as_user(user):
        # A fresh instance, as a real request would load it (no cached relations).
        client.force_authenticate(type(user).objects.get(pk=user.pk))
        return client

    client.as_user = as_user
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, so
    what an earlier test kept (the issue lists' counts) would not describe this one's rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def run_jobs(monkeypatch, django_capture_on_commit_callbacks):
    """Import/export jobs run for real, synchronously, when the request's transaction
    commits: `with run_jobs(): response = api.post(...)`."""
    from jobs.tasks import run_job_task

    monkeypatch.setattr(run_job_task, "delay", run_job_task)
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def exported(run_jobs):
    """The bytes of an export started from a page: `exported(client, url)` follows the
    redirect to the job it started (run at once) and downloads the file."""
    from jobs.models import Job

    def fetch(client, url):
        with run_jobs():
            response = client.get(url)
        assert response.status_code == 302, response.status_code
        job = Job.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])
        assert job.status == Job.Status.DONE, job.message
        download = client.get(f"/jobs/{job.pk}/download/")
        assert download.status_code == 200
        return b"".join(download.streaming_content)

    return fetch
