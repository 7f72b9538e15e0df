"""A generated district for the rounds: 城关区 of the common city with four streets, two
point categories (农贸市场 with a checklist of weights 3, 2, 1; 背街小巷 weights 4, 1), fixed
and random points spread over the streets with coordinates, and the current 测评体系."""

import io
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Unit
from issues.models import IssueCategory
from points.models import CheckItem, Framework, Point, PointCategory
from rounds.models import Round, RoundTeam
from rounds.services import round_draw, sample_inspect, team_save, teams_assign
from tests.factories import UnitFactory


def photo(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def make_points(region, streets, category, *, fixed, random_points, rng):
    """`fixed` fixed and `random_points` random points of `category`, round-robin over the
    streets, each at a place of its own near (38.93, 100.45)."""
    made = []
    for i in range(fixed + random_points):
        street = streets[i % len(streets)]
        made.append(Point(
            name=f"{category.name}{i:03d}", category=category, territorial_unit=street,
            kind=Point.Kind.FIXED if i < fixed else Point.Kind.RANDOM,
            latitude=Decimal("38.9") + Decimal(rng.randint(0, 9000)) / 100000,
            longitude=Decimal("100.4") + Decimal(rng.randint(0, 9000)) / 100000))
    return Point.objects.bulk_create(made)


@pytest.fixture
def district(city):
    """城关区 with streets 东街 (the common one), 西街, 南街, 北街 and their points."""
    rng = random.Random(7)
    a = city.units.a
    streets = [city.units.street] + [
        UnitFactory(name=f"{n}街街道", kind=Unit.Kind.STREET, parent=a) for n in "西南北"]
    market = PointCategory.objects.create(name="农贸市场", order=1)
    alley = PointCategory.objects.create(name="背街小巷", order=2)
    items = SimpleNamespace(
        signs=CheckItem.objects.create(category=market, text="四牌一图齐全", score=3, order=1),
        rows=CheckItem.objects.create(category=market, text="划行归市", score=2, order=2,
                                      severe_rule="multiple", severe_multiple=2),
        scale=CheckItem.objects.create(category=market, text="公平秤", score=1, order=3),
        clean=CheckItem.objects.create(category=alley, text="路面干净无垃圾", score=4, order=1,
                                       severe_rule="zero"),
        lamps=CheckItem.objects.create(category=alley, text="路灯完好", score=1, order=2),
    )
    markets = make_points(a, streets, market, fixed=4, random_points=40, rng=rng)
    alleys = make_points(a, streets, alley, fixed=2, random_points=60, rng=rng)
    framework = Framework.objects.create(name="全国文明城市测评体系", edition="2022年版",
                                         year=2022, is_current=True)
    IssueCategory.objects.get_or_create(name="其他问题", defaults={"severity": "minor"})
    return SimpleNamespace(region=a, streets=streets, market=market, alley=alley, items=items,
                           markets=markets, alleys=alleys, framework=framework)


@pytest.fixture
def round_(city, district):
    """A 模拟测评 round over 城关区, stratified by street, not drawn yet."""
    return Round.objects.create(
        name="2026年第一轮模拟测评", kind=Round.Kind.MOCK, region=district.region,
        framework=district.framework, starts="2026-03-01", ends="2026-03-10",
        created_by=city.users.office)


def verdicts(district, category, marks):
    """The checklist results of one point: `marks` are the verdicts of the category's items
    in order, with a photo for every failure."""
    items = {"market": [district.items.signs, district.items.rows, district.items.scale],
             "alley": [district.items.clean, district.items.lamps]}[category]
    return [{"check_item": item, "verdict": v, "photo": photo() if v in ("fail", "severe")
             else None} for item, v in zip(items, marks, strict=True)]


@pytest.fixture
def walked(city, district, round_):
    """The round drawn (fixed points only: four markets, two alleys) and five of its six
    points inspected, scores worked out by hand beside each."""
    round_draw(round=round_, rules={district.market.pk: (True, 0), district.alley.pk: (True, 0)},
               seed=1, by=city.users.office)
    team_save(team=RoundTeam(round=round_, name="第一组"), members=[city.users.inspector],
              by=city.users.office)
    teams_assign(round=round_, by=city.users.office)
    markets = list(round_.samples.filter(category=district.market).order_by("pk"))
    alleys = list(round_.samples.filter(category=district.alley).order_by("pk"))
    assert len(markets) == 4 and len(alleys) == 2  # the fixed points only
    plan = [(markets[0], "market", ["pass", "fail", "na"]),      # 3 of 5 → 60
            (markets[1], "market", ["severe", "pass", "pass"]),  # 6 − 2×3 → 0 of 6 → 0
            (markets[2], "market", ["pass", "pass", "pass"]),    # 100
            (alleys[0], "alley", ["severe", "pass"]),            # zeroed → 0
            (alleys[1], "alley", ["pass", "fail"])]              # 4 of 5 → 80
    for sample, category, marks in plan:
        sample_inspect(sample=sample, by=city.users.inspector,
                       results=verdicts(district, category, marks))
    return round_
