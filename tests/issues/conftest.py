import pytest

from points.models import Point, PointCategory

from .factories import IssueCategoryFactory, IssueFactory


@pytest.fixture
def category(db):
    return IssueCategoryFactory(name="乱停乱放", deadline_value=3)


@pytest.fixture
def point(city):
    cat = PointCategory.objects.create(name="背街小巷")
    return Point.objects.create(name="幸福巷", category=cat, territorial_unit=city.units.community,
                                latitude="36.060000", longitude="103.830000",
                                chief=city.users.pointchief)


@pytest.fixture
def make_issue(city, category):
    def make(**kwargs):
        kwargs.setdefault("region", city.units.a)
        kwargs.setdefault("category", category)
        return IssueFactory(**kwargs)
    return make
