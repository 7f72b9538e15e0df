"""The results page: trend between rounds (mock before real), weakest areas first, charts'
data, constant queries whatever the number of rounds and communities."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit
from surveys.services import response_submit

from ..factories import UnitFactory
from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db


def answer(s, q, community, sat):
    response_submit(survey=s, community=community, channel="household",
                    answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                             q["res"].pk: opt(q["res"], "6个月及以上"),
                             q["aware"].pk: opt(q["aware"], "知道"),
                             q["support"].pk: opt(q["support"], "支持"),
                             q["sat"].pk: opt(q["sat"], sat)})


@pytest.fixture
def rounds(city):
    mock, mq = survey_with_questions(city.units.a, title="三月模拟入户调查",
                                     starts_on=datetime.date(2026, 3, 1))
    real, rq = survey_with_questions(city.units.a, title="国测问卷调查", round_kind="real",
                                     starts_on=datetime.date(2026, 9, 1))
    weak = UnitFactory(name="和平社区", kind=Unit.Kind.COMMUNITY, parent=city.units.street)
    answer(mock, mq, city.units.community, "不满意")
    answer(real, rq, city.units.community, "满意")
    answer(real, rq, weak, "不满意")
    return mock, real


def test_trend_table_and_weakest_first(client, city, rounds):
    mock, real = rounds
    client.force_login(city.users.office)
    body = client.get(f"/surveys/{real.pk}/results/").content.decode()
    assert "各轮次对比" in body
    assert body.index("三月模拟入户调查") < body.index("国测问卷调查（本次）")
    assert f'href="/surveys/{mock.pk}/results/"' in body
    # Communities: the one below the satisfaction target comes first.
    table = body[body.index("各区域指标"):]
    assert table.index("和平社区") < table.index("幸福社区")
    assert "<script>" not in body and 'style="' not in body


def test_single_round_has_no_comparison_table(client, city):
    s, q = survey_with_questions(city.units.a)
    client.force_login(city.users.office)
    assert "各轮次对比" not in client.get(f"/surveys/{s.pk}/results/").content.decode()


def test_results_page_queries_constant(client, city, rounds):
    _mock, real = rounds
    client.force_login(city.users.office)
    client.get(f"/surveys/{real.pk}/results/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/surveys/{real.pk}/results/").status_code == 200
        return len(ctx)

    small = count()
    for n in range(4):
        extra, eq = survey_with_questions(city.units.a, title=f"第{n}轮模拟",
                                          starts_on=datetime.date(2026, 4, 1 + n))
        community = UnitFactory(name=f"新社区{n}", kind=Unit.Kind.COMMUNITY,
                                parent=city.units.street)
        answer(extra, eq, community, "满意")
        answer(real, rounds_q(real), community, "比较满意")
    assert count() == small


def rounds_q(survey):
    return {key: survey.questions.get(text=text) for key, text in (
        ("age", "您的年龄"), ("res", "您在本地居住了多久"),
        ("aware", "您知道本市正在创建全国文明城市吗"), ("support", "您支持创建全国文明城市吗"),
        ("sat", "您对创建工作满意吗"))}
