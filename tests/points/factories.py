from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from points.models import CheckItem, Point, PointCategory


class PointCategoryFactory(DjangoModelFactory):
    class Meta:
        model = PointCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"类别{n}")
    order = factory.Sequence(lambda n: n)


class CheckItemFactory(DjangoModelFactory):
    class Meta:
        model = CheckItem

    category = factory.SubFactory(PointCategoryFactory)
    text = factory.Sequence(lambda n: f"检查内容{n}")
    score = Decimal("2")


class PointFactory(DjangoModelFactory):
    class Meta:
        model = Point

    name = factory.Sequence(lambda n: f"点位{n}")
    category = factory.SubFactory(PointCategoryFactory)
    latitude = Decimal("38.933000")
    longitude = Decimal("100.455000")
    territorial_unit = None  # always given: the unit decides who sees the point
