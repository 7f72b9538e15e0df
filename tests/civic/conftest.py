"""A district with one located point (区城管局 supervises it) and two 随手拍 categories."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from civic.models import ReportCategory
from points.models import Point

from ..issues.factories import IssueCategoryFactory, photo
from ..points.factories import PointCategoryFactory

LAT, LNG = "38.930000", "100.450000"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def civic(city):
    u = city.units
    garbage = IssueCategoryFactory(name="垃圾清运不及时")
    parking = IssueCategoryFactory(name="乱停乱放")
    pcat = PointCategoryFactory(name="农贸市场")
    point = Point.objects.create(name="东街农贸市场", category=pcat, territorial_unit=u.street,
                                 supervising_unit=u.cg, latitude=LAT, longitude=LNG)
    b_street = type(u.street).objects.create(name="高新区南街街道", kind="street", parent=u.b)
    b_point = Point.objects.create(name="高新区广场", category=pcat, territorial_unit=b_street,
                                   latitude="38.980000", longitude="100.520000")
    return SimpleNamespace(
        city=city, point=point, b_point=b_point,
        garbage=ReportCategory.objects.create(name="垃圾没人清", service_code="garbage",
                                              issue_category=garbage, hint="垃圾堆了好几天"),
        parking=ReportCategory.objects.create(name="车辆乱停", service_code="parking",
                                              issue_category=parking),
    )


def submit(civic, **kwargs):
    from civic import services

    values = {"category": civic.garbage, "description": "小区门口垃圾堆了三天",
              "photos": [photo(seed=kwargs.pop("seed", 1))], "latitude": LAT,
              "longitude": LNG}
    values.update(kwargs)
    return services.report_submit(**values)


def lookalikes(civic):
    """Three reports of 城关区 that look alike: `first` and `copy` share a photo (in places
    apart), `near` is beside `first` with another photo."""
    a = civic.city.units.a
    first = submit(civic, seed=5, description="东街口垃圾堆放第一条", region=a)
    copy = submit(civic, seed=5, latitude="38.935000", longitude="100.455000", region=a,
                  description="东街口垃圾堆放照片相同")
    near = submit(civic, seed=9, latitude="38.930300", longitude="100.450000", region=a,
                  description="东街口垃圾堆放旁边")
    return first, copy, near
