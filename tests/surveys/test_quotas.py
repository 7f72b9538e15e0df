"""Quotas per community (样本配额): API and page with progress, bulk "每个社区 20 户",
Excel export, scope, bad input in Chinese, constant queries."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit
from surveys.models import Quota
from surveys.services import response_submit

from ..factories import UnitFactory
from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(city):
    s, q = survey_with_questions(city.units.a)
    west = UnitFactory(name="西关街道", kind=Unit.Kind.STREET, parent=city.units.a)
    c2 = UnitFactory(name="和平社区", kind=Unit.Kind.COMMUNITY, parent=west)
    c3 = UnitFactory(name="光明社区", kind=Unit.Kind.COMMUNITY, parent=west)
    UnitFactory(name="高新社区", kind=Unit.Kind.COMMUNITY,
                parent=UnitFactory(name="高新街道", kind=Unit.Kind.STREET, parent=city.units.b))
    return s, q, west, c2, c3


def answer(s, q, community, interviewer=None):
    return response_submit(survey=s, community=community, channel="household",
                           interviewer=interviewer,
                           answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                    q["res"].pk: opt(q["res"], "6个月及以上"),
                                    q["aware"].pk: opt(q["aware"], "知道"),
                                    q["support"].pk: opt(q["support"], "支持"),
                                    q["sat"].pk: opt(q["sat"], "满意")})


def test_bulk_set_then_progress_through_the_api(api, city, setup):
    s, q, west, c2, c3 = setup
    client = api.as_user(city.users.office)
    response = client.put(f"/api/v1/surveys/{s.pk}/quotas/", {"all": 20}, format="json")
    assert response.status_code == 200, response.content
    assert dict(s.quotas.values_list("community__name", "target")) == {
        "幸福社区": 20, "和平社区": 20, "光明社区": 20}
    client.put(f"/api/v1/surveys/{s.pk}/quotas/",
               {"quotas": [{"community": c2.pk, "target": 2}, {"community": c3.pk, "target": 0}]},
               format="json")
    client.put(f"/api/v1/surveys/{s.pk}/quotas/", {"all": 5, "only_empty": True}, format="json")
    assert dict(s.quotas.values_list("community__name", "target")) == {
        "幸福社区": 20, "和平社区": 2, "光明社区": 5}
    for _ in range(2):
        answer(s, q, c2, interviewer=city.users.inspector)
    with pytest.raises(ValidationError):  # 和平社区 is full at 2: a third is refused
        answer(s, q, c2, interviewer=city.users.inspector)
    answer(s, q, city.units.community)
    body = client.get(f"/api/v1/surveys/{s.pk}/quotas/").json()
    rows = {r["community_name"]: r for r in body["rows"]}
    assert (rows["和平社区"]["done"], rows["和平社区"]["percent"], rows["和平社区"]["missing"]) \
        == (2, 100, 0)
    assert (rows["幸福社区"]["done"], rows["幸福社区"]["percent"]) == (1, 5)
    # Totals count at most the quota per community: (2 + 1 + 0) of 27.
    assert body["totals"] == {"communities": 3, "with_quota": 3, "met": 1, "target": 27,
                              "done": 3, "counted": 3, "mine": 0, "missing": 24,
                              "percent": 11}
    mine = api.as_user(city.users.inspector).get(f"/api/v1/surveys/{s.pk}/quotas/").json()
    assert mine["totals"]["mine"] == 2


def test_bulk_set_for_one_street(api, city, setup):
    s, _q, west, _c2, _c3 = setup
    response = api.as_user(city.users.office).put(
        f"/api/v1/surveys/{s.pk}/quotas/", {"all": 30, "street": west.pk}, format="json")
    assert response.status_code == 200
    assert dict(s.quotas.values_list("community__name", "target")) == {
        "和平社区": 30, "光明社区": 30}


@pytest.mark.parametrize("data, field, message", [
    ({}, "quotas", "请填写各社区的配额"),
    ({"all": 0}, "all", "大于或者等于 1"),
    ({"all": "很多"}, "all", "整数"),
    ({"quotas": [{"community": 999999, "target": 3}]}, "community", "不在本次调查范围内"),
    ({"quotas": [{"community": "{other}", "target": 3}]}, "community", "不在本次调查范围内"),
    ({"quotas": [{"community": "{c2}", "target": -1}]}, "quotas", "大于或者等于 0"),
    ({"all": 20, "street": 999999}, "street", "请选择本次调查范围内的街道"),
    ({"street": "{west}"}, "quotas", "请填写各社区的配额"),
])
def test_bad_input_is_400_with_a_chinese_message(api, city, setup, data, field, message):
    s, _q, west, c2, _c3 = setup
    other = Unit.objects.get(name="高新社区")
    raw = str(data).replace("'{other}'", str(other.pk)).replace("'{c2}'", str(c2.pk)) \
        .replace("'{west}'", str(west.pk))
    data = eval(raw)  # noqa: S307 - literal test data
    response = api.as_user(city.users.office).put(f"/api/v1/surveys/{s.pk}/quotas/", data,
                                                  format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body and message in str(body[field])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(body[field]))
    assert Quota.objects.count() == 0


@pytest.mark.parametrize("user_key, read, write", [
    ("office", 200, 200), ("inspector", 200, 403), ("leader", 200, 403),
    ("pointchief", 200, 403), ("liaison", 404, 404), ("office_b", 404, 404),
    ("liaison_b", 404, 404),
])
def test_api_scope(api, city, setup, user_key, read, write):
    s = setup[0]
    client = api.as_user(getattr(city.users, user_key))
    assert client.get(f"/api/v1/surveys/{s.pk}/quotas/").status_code == read
    assert client.put(f"/api/v1/surveys/{s.pk}/quotas/", {"all": 20},
                      format="json").status_code == write
    assert Quota.objects.count() == (3 if write == 200 else 0)


def test_anonymous_api_is_401(setup):
    from rest_framework.test import APIClient

    s = setup[0]
    assert APIClient().get(f"/api/v1/surveys/{s.pk}/quotas/").status_code == 401


def test_point_chief_sees_only_their_community(api, city, setup):
    s = setup[0]
    body = api.as_user(city.users.pointchief).get(f"/api/v1/surveys/{s.pk}/quotas/").json()
    assert [r["community_name"] for r in body["rows"]] == ["幸福社区"]


@pytest.mark.parametrize(("suffix", "ok"), [("quotas/", 200), ("quotas.xlsx", 302)])
def test_page_and_export_scope(client, city, setup, suffix, ok):
    s = setup[0]
    url = f"/surveys/{s.pk}/{suffix}"
    assert client.get(url).status_code == 302
    assert client.get(url).url.startswith("/accounts/login/")
    for user, code in (("office", ok), ("pointchief", ok), ("liaison", 404),
                       ("office_b", 404)):
        client.force_login(getattr(city.users, user))
        assert client.get(url).status_code == code


def test_page_bulk_set_progress_bars_and_export(client, city, setup, exported):
    s, q, west, c2, _c3 = setup
    client.force_login(city.users.office)
    response = client.post(f"/surveys/{s.pk}/quotas/", {"all": "20"})
    assert response.status_code == 302 and s.quotas.count() == 3
    client.post(f"/surveys/{s.pk}/quotas/", {f"quota_{c2.pk}": "4"})
    answer(s, q, c2)
    page = client.get(f"/surveys/{s.pk}/quotas/").content.decode()
    assert "每个社区" in page and "和平社区" in page and "西关街道" in page
    assert '<progress class="survey-progress w-100" max="100" value="25"' in page
    assert 'style="' not in page and "<script>" not in page
    book = openpyxl.load_workbook(io.BytesIO(exported(client, f"/surveys/{s.pk}/quotas.xlsx")))
    rows = list(book["社区配额进度"].values)
    assert rows[0][:4] == ("街道", "社区", "配额（户）", "已完成")
    assert ("西关街道", "和平社区", 4, 1, 1, "25%", 3) in rows
    assert rows[-1][0] == "合计" and rows[-1][2] == 44


@pytest.mark.parametrize("data, message", [
    ({"all": "0"}, "每个社区的户数应为 1 到 100000 之间的整数"),
    ({"all": "二十"}, "每个社区的户数应为 1 到 100000 之间的整数"),
    ({"all": "20", "street": "abc"}, "请选择本次调查范围内的街道"),
    ({"quota_{c2}": "-3"}, "“和平社区”的配额应为 0 到 100000 之间的整数"),
])
def test_page_bad_input(client, city, setup, data, message):
    s, _q, _west, c2, _c3 = setup
    client.force_login(city.users.office)
    data = {k.replace("{c2}", str(c2.pk)): v for k, v in data.items()}
    response = client.post(f"/surveys/{s.pk}/quotas/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Quota.objects.count() == 0


def test_page_writes_are_office_only(client, city, setup):
    s = setup[0]
    for user, code in (("inspector", 403), ("pointchief", 403), ("office_b", 404)):
        client.force_login(getattr(city.users, user))
        assert client.post(f"/surveys/{s.pk}/quotas/", {"all": "20"}).status_code == code
    assert Quota.objects.count() == 0


def test_queries_do_not_grow_with_communities(api, client, city, setup):
    s, q, west, c2, c3 = setup
    client.force_login(city.users.office)
    api_client = api.as_user(city.users.office)

    def count():
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/surveys/{s.pk}/quotas/").status_code == 200
        with CaptureQueriesContext(connection) as rest:
            assert api_client.get(f"/api/v1/surveys/{s.pk}/quotas/").status_code == 200
        return len(page), len(rest)

    count()  # warm up: first requests load the session and content types
    small = count()
    for n in range(8):
        community = UnitFactory(name=f"新建社区{n}", kind=Unit.Kind.COMMUNITY, parent=west)
        answer(s, q, community)
    client.post(f"/surveys/{s.pk}/quotas/", {"all": "20"})
    assert count() == small


def test_staff_entry_shows_the_community_quota(client, city, setup):
    s, q, _west, c2, _c3 = setup
    client.force_login(city.users.office)
    client.post(f"/surveys/{s.pk}/quotas/", {f"quota_{c2.pk}": "20"})
    answer(s, q, c2, interviewer=city.users.inspector)
    answer(s, q, c2)
    client.force_login(city.users.inspector)
    body = client.get(f"/surveys/{s.pk}/entry/?community={c2.pk}").content.decode()
    assert "本社区已完成 <strong>2</strong> / 20 户" in body and "还差" in body
    assert "其中我录入 1 份" in body
    client.force_login(city.users.office_b)
    assert client.get(f"/surveys/{s.pk}/entry/?community={c2.pk}").status_code == 404
