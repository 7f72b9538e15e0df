"""The leader's big screen and the unit scorecard behind every name."""

import pytest
from django.urls import reverse

from dashboard import figures

from .conftest import NOW  # noqa: F401 - the hand-built week is worked out there

pytestmark = pytest.mark.django_db


def test_screen_shows_red_black_counts_trend_and_map(city, week, client):
    client.force_login(city.users.leader)
    response = client.get(reverse("dashboard:screen"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "红榜" in html and "黑榜" in html and "本周收到问题" in html
    assert 'id="dashboard-trend-data"' in html and 'id="dashboard-map-data"' in html
    assert 'data-seconds="300"' in html  # one district: refresh, no rotation
    assert "高新区城管局" not in html


def test_a_city_screen_rotates_through_its_districts(city, client):
    from accounts.models import Role

    from ..factories import UserFactory

    mayor = UserFactory(username="mayor", unit=city.units.root, role=Role.LEADER)
    client.force_login(mayor)
    html = client.get(reverse("dashboard:screen")).content.decode()
    assert "城关区创建全国文明城市工作大屏" in html
    assert f'data-next-url="/dashboard/screen/?district={city.units.b.pk}"' in html
    html = client.get(reverse("dashboard:screen"), {"district": city.units.b.pk}).content.decode()
    assert "高新区创建全国文明城市工作大屏" in html
    assert f'?district={city.units.a.pk}"' in html
    assert "区城管局</span>" not in html  # 城关区's units are not on 高新区's screen


def test_screen_refuses_other_roles_and_other_districts(city, client):
    for role in ("liaison", "inspector", "pointchief"):
        client.force_login(getattr(city.users, role))
        assert client.get(reverse("dashboard:screen")).status_code == 403
    client.force_login(city.users.leader)
    assert client.get(reverse("dashboard:screen"), {"district": city.units.b.pk}
                      ).status_code == 404
    assert client.get(reverse("dashboard:screen"), {"district": "x"}).status_code == 404


def test_scorecard_reads_the_rankings_figures(city, week, client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    client.force_login(city.users.leader)
    params = {"period": "custom", "start": "2026-11-16", "end": "2026-11-22"}
    html = client.get(reverse("dashboard:unit-scorecard", args=[city.units.cg.pk]),
                      params).content.decode()
    period = figures.custom_period(*[__import__("datetime").date(2026, 11, d) for d in (16, 22)])
    row = next(r for r in figures.ranking(city.users.leader, period, now=NOW)["rows"]
               if r["id"] == city.units.cg.pk)
    assert f'id="card-score">{row["score"]}<' in html
    assert "台账完成率" in html and "按期整改率" in html
    assert "未销号问题" in html


def test_scorecard_of_another_district_is_not_found(city, client):
    client.force_login(city.users.leader)
    assert client.get(reverse("dashboard:unit-scorecard", args=[city.units.b_dept.pk])
                      ).status_code == 404
    client.force_login(city.users.liaison)
    assert client.get(reverse("dashboard:unit-scorecard", args=[city.units.cg.pk])
                      ).status_code == 403


def test_ranking_names_link_to_the_scorecard(city, week, client):
    client.force_login(city.users.office)
    html = client.get("/dashboard/").content.decode()
    assert reverse("dashboard:unit-scorecard", args=[city.units.cg.pk]) in html
    assert reverse("dashboard:screen") in html


def test_the_screen_and_the_scorecard_count_only_the_ranked_units(city, week, client,
                                                                    monkeypatch):
    """The hand-built week: 区城管局 and 东街街道 are ranked, 区住建局 (one fresh issue) is
    数据不足. The screen says 2 ranked of the 3 listed, the scorecard ranks 东街街道
    "1 / 2" and says 住建局 is not ranked."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    client.force_login(city.users.leader)
    html = client.get(reverse("dashboard:screen")).content.decode()
    assert '参与排名单位</div><div class="value">2<small class="fs-5 fw-normal"> / 共 3 个</small></div>' in html
    card = reverse("dashboard:unit-scorecard", args=[city.units.zj.pk])
    assert "数据不足，不参与排名" in client.get(card, {"period": "week"}).content.decode()
    card = reverse("dashboard:unit-scorecard", args=[city.units.street.pk])
    html = client.get(card, {"period": "week"}).content.decode()
    assert '1<small class="fs-6 text-muted"> / 2</small>' in html
