"""The projection's 实地考察 part takes the year's latest scored round (worked example of the
`walked` fixture), and the daily inspections only when the year has none."""

import datetime as dt

import pytest

from dashboard.projection import field_part
from points.models import Inspection

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked_in_march(walked):
    """The round's inspections made on its second day."""
    Inspection.objects.filter(pk__in=walked.samples.values("inspection")).update(
        created=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    return walked


def test_the_field_part_is_the_latest_rounds_score_and_names_it(city, district, walked_in_march):
    part = field_part(district.region, 2026)
    # The round: (53.33 + 40) / 2 = 46.67 → 46.7. Its five inspections read as daily
    # inspections: Σ (3 + 0 + 6 + 0 + 4) ÷ Σ (5 + 6 + 6 + 5 + 5) = 13 / 27 = 48.1 %.
    assert part["value"] == 46.7 and part["has_data"]
    assert part["source"].startswith("2026年第一轮模拟测评（模拟测评，2026-03-01至2026-03-10，5个点位")
    assert part["source_url"] == f"/rounds/{walked_in_march.pk}/"
    assert part["daily"] == 48.1
    assert "5 个抽样点位" in part["detail"] and "日常点位检查 48.1%" in part["detail"]
    # A round over the city scores the district from the district's points: 城南区 has none.
    assert field_part(city.units.b, 2026)["value"] is None


def test_before_the_round_and_in_another_year_the_daily_inspections_count(city, district,
                                                                          walked_in_march):
    before = field_part(district.region, 2026,
                        until=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert before["value"] is None and "没有测评轮次得分" in before["state"]
    Inspection.objects.create(point=district.markets[5], score=9, max_score=10, passed=True)
    Inspection.objects.filter(point=district.markets[5]).update(
        created=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    last_year = field_part(district.region, 2025)
    assert last_year["value"] == 90.0
    assert last_year["source"] == "日常点位检查（本年度还没有测评轮次得分）"


def test_the_projection_page_links_the_round(client, city, district, walked_in_march):
    from dashboard.models import RankingWeights

    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    client.force_login(city.users.leader)
    page = client.get("/dashboard/projection/").content.decode()
    assert f'href="/rounds/{walked_in_march.pk}/"' in page and "46.7%" in page
