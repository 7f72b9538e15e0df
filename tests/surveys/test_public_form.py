"""The resident's anonymous form at public_url: no login, one answer per device, closed
outside the dates, refused when empty or malformed, rate limited per address."""

import datetime
import os
import uuid

import pytest
from django.test import Client

from surveys.models import Response, Survey

from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    s, q = survey_with_questions(city.units.a)
    return s, q


def full_post(q, community=None):
    data = {f"q{q['age'].pk}": opt(q["age"], "18–65周岁"),
            f"q{q['res'].pk}": opt(q["res"], "6个月及以上"),
            f"q{q['aware'].pk}": opt(q["aware"], "知道"),
            f"q{q['support'].pk}": opt(q["support"], "支持"),
            f"q{q['part'].pk}": [opt(q["part"], "志愿服务"), opt(q["part"], "环境整治")],
            f"q{q['sat'].pk}": opt(q["sat"], "满意")}
    if community is not None:
        data["community"] = community.pk
    return data


def test_resident_answers_without_login_and_the_count_rises_by_one(survey, city, api):
    s, q = survey
    client = Client(enforce_csrf_checks=True)
    page = client.get(s.public_path())
    assert page.status_code == 200
    assert "提交问卷" in page.content.decode() and "幸福社区" in page.content.decode()
    token = page.cookies["csrftoken"].value
    before = api.as_user(city.users.office).get(f"/api/v1/surveys/{s.pk}/results/").json()
    response = client.post(s.public_path(), {**full_post(q, city.units.community),
                                             "csrfmiddlewaretoken": token})
    assert response.status_code == 200, response.content.decode()
    assert "提交成功" in response.content.decode()
    after = api.get(f"/api/v1/surveys/{s.pk}/results/").json()
    assert after["response_count"] == before["response_count"] + 1
    saved = Response.objects.get()
    assert saved.channel == "online" and saved.interviewer is None and len(saved.device_hash) == 64
    # No address is kept with the answer anywhere on the row.
    assert "127.0.0.1" not in str(Response.objects.values().get())


def test_community_link_fixes_the_community(survey, city):
    s, q = survey
    client = Client()
    response = client.post(s.public_path(city.units.community), full_post(q))
    assert response.status_code == 200
    assert Response.objects.get().community == city.units.community


def test_csrf_is_kept_on_the_public_form(survey, city):
    s, q = survey
    response = Client(enforce_csrf_checks=True).post(s.public_path(),
                                                     full_post(q, city.units.community))
    assert response.status_code == 403
    assert Response.objects.count() == 0


@pytest.mark.parametrize("malformed, message", [
    (None, "没有收到任何答案"),
    ("abc", "答案无效"),
    ("", "为必答题，请作答"),
])
def test_empty_or_malformed_submission_is_refused_and_not_counted(survey, city, malformed,
                                                                   message):
    s, q = survey
    data = {} if malformed is None else {**full_post(q), f"q{q['aware'].pk}": malformed}
    response = Client().post(s.public_path(city.units.community), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Response.objects.count() == 0


def test_an_option_of_another_question_is_refused(survey, city):
    s, q = survey
    data = full_post(q)
    data[f"q{q['aware'].pk}"] = opt(q["sat"], "满意")
    response = Client().post(s.public_path(city.units.community), data)
    assert response.status_code == 400
    assert "答案无效" in response.content.decode()
    assert Response.objects.count() == 0


def test_a_missing_community_is_refused(survey, city):
    s, q = survey
    response = Client().post(s.public_path(), full_post(q))
    assert response.status_code == 400 and "请选择本次调查范围内的社区" in response.content.decode()


def test_one_response_per_device(survey, city):
    s, q = survey
    client = Client()
    assert client.post(s.public_path(city.units.community), full_post(q)).status_code == 200
    again = client.post(s.public_path(city.units.community), full_post(q))
    assert again.status_code == 400 and "您已参与过本次调查" in again.content.decode()
    assert Response.objects.count() == 1


def test_a_second_visit_is_told_at_once_and_shown_no_form(survey, city):
    s, q = survey
    client = Client()
    first = client.get(s.public_path())
    body = first.content.decode()
    assert first.status_code == 200 and "提交问卷" in body and "您已参与过" not in body
    assert client.post(s.public_path(city.units.community), full_post(q)).status_code == 200
    for path in (s.public_path(), s.public_path(city.units.community)):
        again = client.get(path)
        body = again.content.decode()
        assert again.status_code == 200 and "您已参与过本次调查，感谢支持" in body
        assert "提交问卷" not in body and "<form" not in body
        assert "用他自己的手机扫码" in body
        # Nothing new is stored: no cookie set, no row written.
        assert not again.cookies and Response.objects.count() == 1
    # Another phone (no cookie, or a cookie that never answered) still gets the form.
    assert "提交问卷" in Client().get(s.public_path()).content.decode()
    other = Client()
    other.cookies["survey_device"] = "never-answered"
    assert "提交问卷" in other.get(s.public_path()).content.decode()



def test_rate_limit_per_address(survey, city, settings):
    settings.SURVEY_PUBLIC_RATE_LIMIT = 2
    s, q = survey
    codes = [Client().post(s.public_path(city.units.community), full_post(q)).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Response.objects.count() == 2


@pytest.mark.parametrize("change, message", [
    ({"status": Survey.Status.DRAFT}, "尚未发布"),
    ({"status": Survey.Status.CLOSED}, "已于"),
    ({"starts_on": datetime.date(2099, 1, 1), "ends_on": datetime.date(2099, 2, 1)}, "将于"),
    ({"starts_on": datetime.date(2020, 1, 1), "ends_on": datetime.date(2020, 2, 1)}, "已于"),
])
def test_closed_outside_dates_with_a_clear_message(survey, city, change, message):
    s, q = survey
    Survey.objects.filter(pk=s.pk).update(**change)
    page = Client().get(s.public_path())
    assert page.status_code == 200 and message in page.content.decode()
    assert "提交问卷" not in page.content.decode()
    Client().post(s.public_path(city.units.community), full_post(q))
    assert Response.objects.count() == 0


def test_unknown_token_or_foreign_community_is_404(survey, city):
    s, _q = survey
    assert Client().get("/surveys/s/nope/").status_code == 404
    assert Client().get(s.public_path(city.units.b_dept)).status_code == 404


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="需要 Redis（REDIS_URL=redis://...）")
def test_rate_limit_on_redis_counts_the_hour_from_the_first_answer(survey, city, settings):
    """On Redis the count is one pipelined SET NX (with the hour) and INCR per answer: the
    third answer of the hour from one address is refused, and the count expires an hour
    after the first."""
    from django.core.cache import caches

    prefix = f"test-rate-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": prefix}}
    settings.SURVEY_PUBLIC_RATE_LIMIT = 2
    s, q = survey
    redis = caches["default"]._cache.get_client(None, write=True)
    try:
        codes = [Client().post(s.public_path(city.units.community), full_post(q)).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
        [key] = redis.keys(f"{prefix}:*survey-rate*")
        assert int(redis.get(key)) == 3 and 3590 <= redis.ttl(key) <= 3600
    finally:
        for key in redis.keys(f"{prefix}:*"):
            redis.delete(key)
    assert Response.objects.count() == 2
