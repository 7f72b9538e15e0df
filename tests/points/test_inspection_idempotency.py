"""An inspection sent again by the phone's queue is recorded once."""

import json
import uuid
from decimal import Decimal

import pytest

from evidence.models import ClientSubmission
from points.models import Inspection, InspectionResult, PointCategory

from .factories import CheckItemFactory
from .test_inspections import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(points):
    market = PointCategory.objects.get(name="农贸市场")
    return [CheckItemFactory(category=market, score=Decimal(s), text=t)
            for s, t in ((3, "四牌一图齐全"), (1, "公平秤"))]


def send(client, points, checklist, key, **files):
    results = [{"check_item": checklist[0].pk, "verdict": "pass"},
               {"check_item": checklist[1].pk, "verdict": "fail", "note": "无公平秤"}]
    return client.post("/api/v1/inspections/", {
        "point": points.community.pk, "results": json.dumps(results), "client_uuid": key,
        **files}, format="multipart")


def test_three_sends_record_one_inspection(api, city, points, checklist):
    key = str(uuid.uuid4())
    client = api.as_user(city.users.inspector)
    answers = [send(client, points, checklist, key, **{f"photo_{checklist[1].pk}": photo()})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Inspection.objects.count() == 1
    assert InspectionResult.objects.exclude(photo="").count() == 1


def test_another_inspector_with_the_same_key_records_its_own(api, city, points, checklist):
    key = str(uuid.uuid4())
    failed = {f"photo_{checklist[1].pk}": photo()}
    send(api.as_user(city.users.inspector), points, checklist, key, **failed)
    other = send(api.as_user(city.users.office), points, checklist, key,
                 **{f"photo_{checklist[1].pk}": photo()})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Inspection.objects.count() == 2


def test_a_failed_item_without_photo_is_400_and_the_key_stays_free(api, city, points,
                                                                   checklist):
    key = str(uuid.uuid4())
    client = api.as_user(city.users.inspector)
    bad = send(client, points, checklist, key)
    assert bad.status_code == 400
    assert "需要拍照" in json.dumps(bad.json(), ensure_ascii=False)
    assert ClientSubmission.objects.count() == 0
    good = send(client, points, checklist, key, **{f"photo_{checklist[1].pk}": photo()})
    assert good.status_code == 201
    assert Inspection.objects.count() == 1
