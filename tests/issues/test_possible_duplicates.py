"""The issue API detail names the issues that look like the same case: same point and
category still open, the same place within the radius and time window, or a near photo."""

import pytest

from evidence.processing import process_image_by_id
from issues import services
from issues.models import Issue, IssuePhoto
from points.models import Point

from ..points.factories import PointCategoryFactory
from .factories import IssueCategoryFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    u = city.units
    point = Point.objects.create(name="东街农贸市场", category=PointCategoryFactory(),
                                 territorial_unit=u.street, supervising_unit=u.cg,
                                 latitude="38.930000", longitude="100.450000")
    return point, IssueCategoryFactory(name="垃圾堆放"), IssueCategoryFactory(name="乱停乱放")


def file(city, category, *, seed, point=None, lat=None, lng=None, region=None, desc="路边垃圾"):
    issue = services.issue_file(by=city.users.office, category=category, description=desc,
                                photos=[photo(seed=seed)], point=point, latitude=lat,
                                longitude=lng, region=region or city.units.a,
                                address="东街 1 号")
    for pk in IssuePhoto.objects.filter(issue=issue).values_list("pk", flat=True):
        process_image_by_id(IssuePhoto, pk)  # the worker's step: thumbnail and hash
    return issue


def dupes(api, user, issue):
    response = api.as_user(user).get(f"/api/v1/issues/{issue.pk}/")
    assert response.status_code == 200
    return {row["id"]: row["reasons"] for row in response.json()["possible_duplicates"]}


def test_same_point_place_and_photo_are_named_with_their_reasons(api, city, world):
    point, garbage, parking = world
    first = file(city, garbage, seed=1, point=point)
    same_point = file(city, garbage, seed=2, point=point)
    near = file(city, parking, seed=3, lat="38.930400", lng="100.450000")
    here = file(city, parking, seed=4, lat="38.930000", lng="100.450000")
    copy = file(city, parking, seed=4, lat="38.990000", lng="100.400000")
    far = file(city, parking, seed=7, lat="38.960000", lng="100.480000")

    found = dupes(api, city.users.office, first)
    assert found == {same_point.pk: ["同一点位、同一类别的未销号问题"]}
    found = dupes(api, city.users.office, here)
    assert set(found) == {near.pk, copy.pk}
    assert found[near.pk] == ["相距约 44 米"]
    assert any(r.startswith("照片相似") for r in found[copy.pk])
    assert dupes(api, city.users.office, far) == {}


def test_a_closed_issue_at_the_point_is_not_a_duplicate(api, city, world):
    point, garbage, _ = world
    first = file(city, garbage, seed=1, point=point)
    second = file(city, garbage, seed=2, point=point)
    Issue.objects.filter(pk=first.pk).update(status=Issue.Status.CLOSED)
    assert dupes(api, city.users.office, second) == {}


def test_only_issues_the_caller_may_see_are_named(api, city, world):
    """The other district's copy of the photo is not named to this district's office."""
    point, garbage, parking = world
    mine = file(city, parking, seed=4, lat="38.930000", lng="100.450000")
    theirs = file(city, parking, seed=4, lat="38.980000", lng="100.520000", region=city.units.b)
    assert dupes(api, city.users.office, mine) == {}
    assert dupes(api, city.users.office_b, theirs) == {}
    assert api.as_user(city.users.office_b).get(
        f"/api/v1/issues/{mine.pk}/").status_code == 404


def test_the_detail_costs_the_same_queries_whatever_the_matches(api, city, world,
                                                                django_assert_max_num_queries):
    point, garbage, _ = world
    issue = file(city, garbage, seed=1, point=point)
    for seed in range(2, 12):
        file(city, garbage, seed=seed, point=point)
    client = api.as_user(city.users.office)
    with django_assert_max_num_queries(30):
        body = client.get(f"/api/v1/issues/{issue.pk}/").json()
    assert len(body["possible_duplicates"]) == 10
