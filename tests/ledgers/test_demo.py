"""The demo has last year's ledger tasks, so the office can try 复制往年任务 at once."""

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from ledgers import demo
from ledgers.models import LedgerRequirement
from points.demo import seed_framework

pytestmark = pytest.mark.django_db


def test_demo_tasks_of_this_and_last_year_and_copy_works(client, settings, tmp_path):
    seed_framework()
    city = accounts_demo.DemoCity()
    accounts_demo.seed(city)
    demo.seed(city)
    year = timezone.localdate().year
    assert LedgerRequirement.objects.filter(year=year).count() == 6
    last = LedgerRequirement.objects.filter(year=year - 1)
    assert last.count() == 3 and last.exclude(activity_name="").exists()
    demo.seed(city)  # idempotent
    assert LedgerRequirement.objects.count() == 9
    client.force_login(city.users["office"])
    page = client.get("/ledgers/requirements/copy/").content.decode()
    assert all(r.title in page for r in last)
    response = client.post("/ledgers/requirements/copy/",
                           {"source_year": year - 1, "requirements": [r.pk for r in last]})
    assert response.status_code == 302
    assert LedgerRequirement.objects.filter(year=year, copied_from__isnull=False).count() == 3
