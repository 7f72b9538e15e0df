import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import NotInScope
from points.models import Inspection, Point, PointCategory
from points.services import inspection_create

from .factories import CheckItemFactory

pytestmark = pytest.mark.django_db


def photo(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def checklist(points):
    market = PointCategory.objects.get(name="农贸市场")
    return [CheckItemFactory(category=market, score=Decimal(s), text=t)
            for s, t in ((3, "四牌一图齐全"), (2, "划行归市"), (1, "公平秤"))]


def test_score_and_pass_follow_the_verdicts(city, points, checklist):
    four_signs, rows, scale = checklist
    inspection = inspection_create(point=points.community, by=city.users.inspector, results=[
        {"check_item": four_signs, "verdict": "pass"},
        {"check_item": rows, "verdict": "pass"},
        {"check_item": scale, "verdict": "fail", "photo": photo(), "note": "公平秤缺失"},
    ])
    assert (inspection.score, inspection.max_score) == (Decimal(5), Decimal(6))
    assert inspection.passed is False  # 5/6 = 83 % < 85 %
    failed = inspection.results.exclude(verdict="pass").get()
    assert failed.check_item == scale and failed.photo.name.endswith(".jpg")


def test_all_pass_is_passed_and_severe_is_never_passed(city, points, checklist):
    ok = inspection_create(point=points.community, by=city.users.inspector,
                           results=[{"check_item": i, "verdict": "pass"} for i in checklist])
    assert ok.passed
    severe = inspection_create(point=points.community, by=city.users.office, results=[
        {"check_item": checklist[0], "verdict": "pass"},
        {"check_item": checklist[1], "verdict": "pass"},
        {"check_item": checklist[2], "verdict": "severe", "photo": photo()},
    ])
    assert not severe.passed
    rate = Point.objects.with_pass_rate().get(pk=points.community.pk)
    assert (rate.inspection_count, rate.passed_count, rate.pass_rate) == (2, 1, 50.0)
    by_category = PointCategory.objects.with_pass_rate(city.users.office).get(name="农贸市场")
    assert by_category.pass_rate == 50.0


def test_failure_needs_a_photo_and_every_item_a_verdict(city, points, checklist):
    with pytest.raises(ValidationError) as exc:
        inspection_create(point=points.community, by=city.users.inspector, results=[
            {"check_item": checklist[0], "verdict": "fail"}])
    assert "需要拍照" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        inspection_create(point=points.community, by=city.users.inspector, results=[
            {"check_item": checklist[0], "verdict": "pass"}])
    assert "未检查" in str(exc.value)
    fake = SimpleUploadedFile("x.jpg", b"<svg></svg>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        inspection_create(point=points.community, by=city.users.inspector, results=[
            {"check_item": i, "verdict": "fail", "photo": fake} for i in checklist])
    assert Inspection.objects.count() == 0


def test_liaison_and_out_of_scope_inspectors_are_refused(city, points, checklist):
    results = [{"check_item": i, "verdict": "pass"} for i in checklist]
    with pytest.raises(PermissionDenied):
        inspection_create(point=points.supervised, by=city.users.liaison, results=results)
    with pytest.raises(NotInScope):  # another district's point does not exist for them
        inspection_create(point=points.community, by=city.users.office_b, results=results)


def test_api_records_inspection_with_photo(api, city, points, checklist):
    results = [{"check_item": i.pk, "verdict": "pass"} for i in checklist[:2]]
    results.append({"check_item": checklist[2].pk, "verdict": "fail", "note": "无公平秤"})
    response = api.as_user(city.users.inspector).post("/api/v1/inspections/", {
        "point": points.community.pk, "results": json.dumps(results),
        f"photo_{checklist[2].pk}": photo(),
    }, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == "5.00" and body["passed"] is False
    assert [r["has_photo"] for r in body["results"] if r["verdict"] == "fail"] == [True]
    assert api.as_user(city.users.office_b).get(
        f"/api/v1/inspections/{body['id']}/").status_code == 404
    assert api.as_user(city.users.liaison).post("/api/v1/inspections/", {
        "point": points.supervised.pk, "results": "[]"}, format="multipart").status_code == 403


def test_api_bad_results_name_the_field(api, city, points, checklist):
    response = api.as_user(city.users.inspector).post("/api/v1/inspections/", {
        "point": points.community.pk, "results": json.dumps([{"check_item": 1, "verdict": "ok"}]),
    }, format="multipart")
    assert response.status_code == 400
    assert "results" in response.json()
