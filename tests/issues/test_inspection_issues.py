import json
from decimal import Decimal

import pytest

from issues.models import Issue, IssueCategory, IssuePhoto
from issues.services import category_for_check_item
from points.models import CheckItem
from points.services import inspection_create

from .factories import IssueCategoryFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(point):
    texts = ["路面平整，无坑洼积水", "无乱贴乱画、乱拉乱挂，无占道经营", "志愿服务站有人值守"]
    return [CheckItem.objects.create(category=point.category, text=t, score=Decimal(2), order=i)
            for i, t in enumerate(texts)]


@pytest.fixture
def categories(db):
    return {name: IssueCategoryFactory(name=name, severity="minor")
            for name in ("乱停乱放", "路面破损", "占道经营", "其他问题")}


def test_failed_items_become_issues_at_the_point_with_the_photo(city, point, checklist,
                                                                 categories):
    road, ads, volunteers = checklist
    inspection = inspection_create(point=point, by=city.users.inspector, results=[
        {"check_item": road, "verdict": "severe", "photo": photo(seed=1), "note": "大坑"},
        {"check_item": ads, "verdict": "fail", "photo": photo(seed=2)},
        {"check_item": volunteers, "verdict": "pass"},
    ])
    issues = {i.category.name: i for i in Issue.objects.filter(point=point)}
    assert set(issues) == {"路面破损", "占道经营"}
    road_issue = issues["路面破损"]
    assert road_issue.source == Issue.Source.DAILY and road_issue.status == Issue.Status.NEW
    assert road_issue.severity == "severe" and issues["占道经营"].severity == "minor"
    assert road_issue.region == city.units.a and road_issue.created_by == city.users.inspector
    assert "路面平整" in road_issue.description and "大坑" in road_issue.description
    before = road_issue.photos.get()
    assert before.kind == IssuePhoto.Kind.BEFORE
    # The issue keeps its own copy: the inspection's photo is a different stored file.
    result_photo = inspection.results.get(check_item=road).photo
    assert before.file.name != result_photo.name
    with before.file.open("rb") as a, result_photo.open("rb") as b:
        assert a.read() == b.read()
    assert road_issue.events.get().kind == "file"


def test_a_passed_inspection_files_nothing_and_no_categories_files_nothing(city, point,
                                                                           checklist):
    inspection_create(point=point, by=city.users.office,
                      results=[{"check_item": i, "verdict": "pass"} for i in checklist])
    inspection_create(point=point, by=city.users.office, results=[
        {"check_item": checklist[0], "verdict": "fail", "photo": photo()},
        {"check_item": checklist[1], "verdict": "pass"},
        {"check_item": checklist[2], "verdict": "pass"},
    ])
    assert not IssueCategory.objects.exists() and not Issue.objects.exists()


def test_category_from_name_keyword_or_default(categories):
    cats = list(categories.values())
    assert category_for_check_item("机动车、非机动车停放有序", cats).name == "乱停乱放"
    assert category_for_check_item("无占道经营", cats).name == "占道经营"
    assert category_for_check_item("设置母婴室", cats).name == "其他问题"
    del categories["其他问题"]
    assert category_for_check_item("设置母婴室", list(categories.values())).name == "乱停乱放"


def test_inspection_api_files_the_issue(api, city, point, checklist, categories):
    road, ads, volunteers = checklist
    results = [{"check_item": road.pk, "verdict": "fail"},
               {"check_item": ads.pk, "verdict": "pass"},
               {"check_item": volunteers.pk, "verdict": "pass"}]
    response = api.as_user(city.users.inspector).post("/api/v1/inspections/", {
        "point": point.pk, "results": json.dumps(results), f"photo_{road.pk}": photo(),
    }, format="multipart")
    assert response.status_code == 201, response.content
    issue = Issue.objects.get(point=point)
    assert issue.category.name == "路面破损"
    assert api.as_user(city.users.office).get(f"/api/v1/issues/{issue.pk}/").status_code == 200
