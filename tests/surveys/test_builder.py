"""The questionnaire editor: sections, questions, options, order, targets; scope; refusals in
Chinese; answers already given never change (edits refused once a survey has responses)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import Answer, Option, Question, Section, Survey
from surveys.services import response_submit

from .factories import SurveyFactory, opt, question, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    s, q = survey_with_questions(city.units.a, status=Survey.Status.DRAFT)
    return s, q


def url(s, rest=""):
    return f"/surveys/{s.pk}/builder/{rest}"


def orders(s):
    return list(s.questions.order_by("order").values_list("text", flat=True))


@pytest.mark.parametrize("rest", ["", "sections/add/"])
def test_scope_of_the_editor(client, city, survey, rest):
    s, _q = survey
    method = client.get if rest == "" else client.post
    assert method(url(s, rest), {"title": "一、知晓情况"}).status_code == 302  # to login
    for user in ("liaison", "leader", "inspector", "pointchief"):
        client.force_login(getattr(city.users, user))
        assert method(url(s, rest), {"title": "x"}).status_code == 403
    client.force_login(city.users.office_b)
    assert method(url(s, rest), {"title": "x"}).status_code == 404
    client.force_login(city.users.office)
    assert method(url(s, rest), {"title": "一、知晓情况"}).status_code in (200, 302)
    assert not Section.objects.filter(title="x").exists()


ENDPOINTS = ["targets/", "new-version/", "questions/add/", "questions/{sat}/edit/",
             "questions/{sat}/delete/", "questions/{sat}/down/", "questions/{sat}/add-option/",
             "options/{satisfied}/edit/", "options/{satisfied}/delete/",
             "options/{satisfied}/up/", "sections/{section}/edit/",
             "sections/{section}/delete/", "sections/{section}/down/"]


@pytest.mark.parametrize("rest", ENDPOINTS)
def test_every_change_is_scoped(client, city, survey, rest):
    s, q = survey
    section = Section.objects.create(survey=s, title="一、知晓情况", order=1)
    rest = rest.format(sat=q["sat"].pk, satisfied=opt(q["sat"], "满意"), section=section.pk)
    data = {"text": "改", "title": "改", "target_satisfaction": "10"}
    snapshot = (list(Question.objects.values_list("pk", "text", "order")),
                list(Option.objects.values_list("pk", "text", "order")),
                list(Section.objects.values_list("pk", "title", "order")),
                Survey.objects.count(), float(Survey.objects.get(pk=s.pk).target_satisfaction))

    def unchanged():
        return snapshot == (list(Question.objects.values_list("pk", "text", "order")),
                            list(Option.objects.values_list("pk", "text", "order")),
                            list(Section.objects.values_list("pk", "title", "order")),
                            Survey.objects.count(),
                            float(Survey.objects.get(pk=s.pk).target_satisfaction))

    response = client.post(url(s, rest), data)
    assert response.status_code == 302 and "/login" in response.url
    for user, code in (("liaison", 403), ("inspector", 403), ("leader", 403),
                       ("pointchief", 403), ("office_b", 404)):
        client.force_login(getattr(city.users, user))
        assert client.post(url(s, rest), data).status_code == code, user
        assert client.get(url(s, rest)).status_code in (403, 404, 405)
    assert unchanged()
    client.force_login(city.users.office)
    assert client.post(url(s, rest), {**data, "confirmed": "1"}).status_code in (302, 400)


def test_items_of_another_survey_are_404(client, city, survey):
    s, _q = survey
    other, oq = survey_with_questions(city.units.a, status=Survey.Status.DRAFT)
    client.force_login(city.users.office)
    assert client.post(url(s, f"questions/{oq['aware'].pk}/delete/")).status_code == 404
    assert client.post(url(s, f"options/{opt(oq['aware'], '知道')}/delete/")).status_code == 404
    section = Section.objects.create(survey=other, title="别的问卷", order=1)
    assert client.post(url(s, f"sections/{section.pk}/delete/")).status_code == 404
    assert other.questions.count() == 7 and Section.objects.filter(pk=section.pk).exists()


def test_sections_group_and_number_the_questions(client, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    assert client.post(url(s, "sections/add/"), {"title": "一、创建知晓情况"}).status_code == 302
    assert client.post(url(s, "sections/add/"), {"title": "二、满意度"}).status_code == 302
    first, second = s.sections.order_by("order")
    edit = {"text": "您对创建工作满意吗", "required": "on", "indicator": "satisfaction",
            "section": second.pk}
    assert client.post(url(s, f"questions/{q['sat'].pk}/edit/"), edit).status_code == 302
    edit = {"text": q["aware"].text, "required": "on", "indicator": "awareness",
            "section": first.pk}
    client.post(url(s, f"questions/{q['aware'].pk}/edit/"), edit)
    # Unsectioned first, then section one, then section two; numbers follow.
    assert orders(s)[-2:] == ["您知道本市正在创建全国文明城市吗", "您对创建工作满意吗"]
    client.post(url(s, f"sections/{second.pk}/up/"))
    assert orders(s)[-2:] == ["您对创建工作满意吗", "您知道本市正在创建全国文明城市吗"]
    client.post(url(s, f"sections/{second.pk}/edit/"), {"title": "一、群众满意度"})
    second.refresh_from_db()
    assert second.title == "一、群众满意度" and second.order == 1
    client.post(url(s, f"sections/{second.pk}/delete/"), {"confirmed": "1"})
    q["sat"].refresh_from_db()
    assert q["sat"].section is None and not Section.objects.filter(pk=second.pk).exists()
    assert list(s.questions.order_by("order").values_list("order", flat=True)) == list(
        range(1, 8))
    page = client.get(url(s)).content.decode()
    assert "一、创建知晓情况" in page and "未分节的题目" in page


def test_questions_move_up_and_down(client, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    before = orders(s)
    client.post(url(s, f"questions/{q['support'].pk}/up/"))
    assert orders(s)[2:4] == [before[3], before[2]]
    client.post(url(s, f"questions/{q['support'].pk}/down/"))
    assert orders(s) == before
    client.post(url(s, f"questions/{q['age'].pk}/up/"))  # already first: nothing moves
    assert orders(s) == before
    response = client.post(url(s, f"questions/{q['age'].pk}/sideways/"))
    assert response.status_code == 400 and "移动方向无效" in response.content.decode()


def test_question_edit_moves_the_counting_options_to_the_new_indicator(client, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    client.post(url(s, f"questions/{q['sat'].pk}/edit/"), {
        "text": "您对社区环境满意吗", "indicator": "support"})
    q["sat"].refresh_from_db()
    assert (q["sat"].text, q["sat"].required, q["sat"].indicator) == (
        "您对社区环境满意吗", False, "support")
    assert sorted(q["sat"].options.values_list("indicator", flat=True)) == [
        "", "", "support", "support"]
    client.post(url(s, f"questions/{q['sat'].pk}/edit/"), {"text": "您对社区环境满意吗"})
    assert set(q["sat"].options.values_list("indicator", flat=True)) == {""}


@pytest.mark.parametrize("rest, data, message", [
    ("sections/add/", {"title": "  "}, "请填写分节标题"),
    ("questions/{sat}/edit/", {"text": ""}, "请填写题目"),
    ("questions/{sat}/edit/", {"text": "好", "indicator": "happiness"}, "计入指标无效"),
    ("questions/{sat}/edit/", {"text": "好", "section": "abc"}, "请选择本问卷的分节"),
    ("questions/{text}/edit/", {"text": "建议", "indicator": "awareness"}, "简答题不能计入指标"),
    ("questions/{sat}/edit/", {"text": "好", "screening": "age", "indicator": "satisfaction"},
     "甄别题不计入指标"),
    ("questions/{sat}/add-option/", {"text": ""}, "请填写选项文字"),
    ("questions/{text}/add-option/", {"text": "好"}, "简答题没有选项"),
    ("questions/{aware}/add-option/", {"text": "x" * 201}, "不能超过 200 个字"),
    ("options/{know}/delete/", {"confirmed": "1"}, "至少需要两个选项"),
    ("targets/", {"target_satisfaction": "150"}, "满意率目标应为 0 到 100 之间的数字"),
    ("targets/", {"target_awareness": "很高"}, "知晓率目标应为 0 到 100 之间的数字"),
    ("questions/add/", {"text": "", "kind": "single"}, "题目：该字段是必填项"),
    ("questions/add/", {"text": "您满意吗", "kind": "single", "options": "满意"},
     "选择题至少需要两个选项"),
])
def test_bad_input_is_refused_in_chinese(client, city, survey, rest, data, message):
    s, q = survey
    client.force_login(city.users.office)
    before = (list(Question.objects.values_list("text", "indicator", "section")),
              list(Option.objects.values_list("text", "indicator")),
              Survey.objects.filter(pk=s.pk).values_list("target_satisfaction").get())
    rest = rest.format(sat=q["sat"].pk, text=q["text"].pk, aware=q["aware"].pk,
                       know=opt(q["aware"], "知道"))
    response = client.post(url(s, rest), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert before == (list(Question.objects.values_list("text", "indicator", "section")),
                      list(Option.objects.values_list("text", "indicator")),
                      Survey.objects.filter(pk=s.pk).values_list("target_satisfaction").get())


def test_options_are_added_marked_moved_and_deleted(client, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    sat = q["sat"]
    client.post(url(s, f"questions/{sat.pk}/add-option/"), {"text": "非常满意", "counts": "on"})
    new = sat.options.get(text="非常满意")
    assert new.indicator == "satisfaction" and new.order == 5
    client.post(url(s, f"options/{new.pk}/up/"))
    client.post(url(s, f"options/{new.pk}/up/"))
    assert list(sat.options.values_list("text", flat=True)) == [
        "满意", "比较满意", "非常满意", "不太满意", "不满意"]
    client.post(url(s, f"options/{opt(sat, '比较满意')}/edit/"), {"text": "基本满意"})
    edited = sat.options.get(text="基本满意")
    assert edited.indicator == ""  # "counts" not sent: no longer counts toward satisfaction
    client.post(url(s, f"options/{new.pk}/delete/"), {"confirmed": "1"})
    assert list(sat.options.values_list("order", flat=True)) == [1, 2, 3, 4]
    # Screening options keep the respondent in the frame or not.
    age = q["age"]
    client.post(url(s, f"options/{opt(age, '65周岁以上')}/edit/"),
                {"text": "66周岁及以上", "in_frame": ""})
    assert age.options.get(text="66周岁及以上").in_frame is False


def test_targets_change_even_after_answers(client, city, survey):
    s, q = survey
    _answer(s, q, city)
    client.force_login(city.users.office)
    response = client.post(url(s, "targets/"), {"target_satisfaction": "88.5",
                                                 "target_awareness": "92"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert (float(s.target_satisfaction), float(s.target_awareness)) == (88.5, 92.0)


def _answer(s, q, city):
    return response_submit(survey=s, community=city.units.community, channel="household",
                           answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                    q["res"].pk: opt(q["res"], "6个月及以上"),
                                    q["aware"].pk: opt(q["aware"], "知道"),
                                    q["support"].pk: opt(q["support"], "支持"),
                                    q["sat"].pk: opt(q["sat"], "满意")})


@pytest.mark.parametrize("rest, data", [
    ("sections/add/", {"title": "一、知晓情况"}),
    ("questions/add/", {"text": "新题", "kind": "text"}),
    ("questions/{sat}/edit/", {"text": "改过的题目", "indicator": "satisfaction"}),
    ("questions/{sat}/delete/", {"confirmed": "1"}),
    ("questions/{sat}/up/", {}),
    ("questions/{sat}/add-option/", {"text": "非常满意"}),
    ("options/{satisfied}/edit/", {"text": "不满意"}),
    ("options/{satisfied}/delete/", {"confirmed": "1"}),
])
def test_answers_already_given_never_change(client, city, survey, rest, data):
    s, q = survey
    response = _answer(s, q, city)
    answers = list(Answer.objects.filter(response=response).values_list(
        "question__text", "option__text", "option__indicator"))
    client.force_login(city.users.office)
    rest = rest.format(sat=q["sat"].pk, satisfied=opt(q["sat"], "满意"))
    refused = client.post(url(s, rest), data)
    assert refused.status_code == 400
    assert "本问卷已有 1 份答卷" in refused.content.decode()
    assert "复制为新版本" in refused.content.decode()
    assert answers == list(Answer.objects.filter(response=response).values_list(
        "question__text", "option__text", "option__indicator"))
    # The editor offers the new version, which is editable and leaves the answers where
    # they are.
    new = client.post(url(s, "new-version/"))
    copy = Survey.objects.get(copied_from=s)
    assert new.status_code == 302 and new.url == url(copy)
    assert copy.version == 2 and copy.status == Survey.Status.DRAFT
    assert copy.responses.count() == 0 and s.responses.count() == 1
    assert client.post(url(copy, rest.replace(str(q["sat"].pk), str(
        copy.questions.get(text=q["sat"].text).pk)).replace(str(opt(q["sat"], "满意")), str(
            Option.objects.get(question__survey=copy, text="满意").pk))), data).status_code == 302


@pytest.mark.parametrize("rest, what", [
    ("questions/{sat}/delete/", "删除第{order}题：“您对创建工作满意吗”"),
    ("options/{satisfied}/delete/", "删除选项：“满意”"),
    ("sections/{section}/delete/", "删除分节：“一、知晓情况”"),
])
def test_a_delete_posted_without_scripts_asks_first(client, city, survey, rest, what):
    s, q = survey
    section = Section.objects.create(survey=s, title="一、知晓情况", order=1)
    rest = rest.format(sat=q["sat"].pk, satisfied=opt(q["sat"], "满意"), section=section.pk)
    client.force_login(city.users.office)
    counts = (Question.objects.count(), Option.objects.count(), Section.objects.count())
    asked = client.post(url(s, rest), {"text": "您对创建工作满意吗"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body
    assert what.format(order=q["sat"].order) in body and "确认删除" in body
    assert counts == (Question.objects.count(), Option.objects.count(), Section.objects.count())
    done = client.post(url(s, rest), {"text": "您对创建工作满意吗", "confirmed": "1"})
    assert done.status_code == 302
    assert counts != (Question.objects.count(), Option.objects.count(), Section.objects.count())


def test_htmx_posts_get_the_editor_back(client, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    response = client.post(url(s, f"questions/{q['sat'].pk}/delete/"), HTTP_HX_REQUEST="true",
                           follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="survey-builder"' in body
    assert "您对创建工作满意吗" not in body
    assert "<script>" not in body and 'style="' not in body


def test_editor_queries_do_not_grow_with_questions(client, city, django_assert_max_num_queries):
    s = SurveyFactory(region=city.units.a, status=Survey.Status.DRAFT)
    section = Section.objects.create(survey=s, title="一、知晓情况", order=1)
    client.force_login(city.users.office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(s)).status_code == 200
        return len(ctx)

    question(s, "您知道吗", indicator="awareness", options=[("知道", "awareness"), ("不知道", "")])
    small = count()
    for n in range(10):
        qn = question(s, f"第{n}题", indicator="satisfaction",
                      options=[("满意", "satisfaction"), ("不满意", "")])
        qn.section = section
        qn.save()
    assert count() == small
    with django_assert_max_num_queries(small):
        client.get(url(s))


def test_region_is_locked_once_answers_exist(client, api, city, survey):
    from tests.factories import UserFactory

    s, q = survey
    admin = UserFactory(username="admin", is_superuser=True, unit=None, role="")
    fresh = Survey.objects.create(title="还没有答卷", region=city.units.a, starts_on=s.starts_on,
                                  ends_on=s.ends_on)
    _answer(s, q, city)
    data = {"title": s.title, "region": city.units.b.pk, "round_kind": "mock",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "target_awareness": "90",
            "target_support": "90", "target_participation": "80", "target_satisfaction": "85"}
    client.force_login(admin)
    page = client.post(f"/surveys/{s.pk}/edit/", data)
    assert page.status_code == 400 and "不能再修改调查范围" in page.content.decode()
    response = api.as_user(admin).patch(f"/api/v1/surveys/{s.pk}/",
                                        {"region": city.units.b.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"region": ["本问卷已有答卷，不能再修改调查范围；"
                                          "如需调查其他区域，请复制为新版本。"]}
    s.refresh_from_db()
    assert s.region == city.units.a
    # Without answers the region may change; with the same region other fields still may.
    assert api.as_user(admin).patch(f"/api/v1/surveys/{fresh.pk}/", {"region": city.units.b.pk},
                                    format="json").status_code == 200
    assert client.post(f"/surveys/{s.pk}/edit/", {**data, "region": city.units.a.pk,
                                                  "title": "新标题"}).status_code == 302
    s.refresh_from_db()
    assert s.title == "新标题"


def test_an_indicator_question_with_no_counting_option_is_warned_and_not_published(
        client, api, city, survey):
    s, q = survey
    client.force_login(city.users.office)
    body = client.get(url(s)).content.decode()
    assert "data-uncounted" not in body and "会一直是 0%" not in body
    Option.objects.filter(question=q["sat"]).update(indicator="")
    body = client.get(url(s)).content.decode()
    assert "data-uncounted" in body
    assert f"第{q['sat'].order}题“您对创建工作满意吗”计入满意率，但没有选项计入满意率" in body
    assert "这道题的满意率会一直是 0%" in body
    refused = api.as_user(city.users.office).post(f"/api/v1/surveys/{s.pk}/publish/")
    assert refused.status_code == 400
    assert "不能发布：第" in refused.json()["status"][0]
    assert "您对创建工作满意吗" in refused.json()["status"][0]
    assert Survey.objects.get(pk=s.pk).status == Survey.Status.DRAFT
    # The page's 发布 button says the same and leaves the survey a draft.
    page = client.post(f"/surveys/{s.pk}/publish/", follow=True).content.decode()
    assert "不能发布：" in page and "您对创建工作满意吗" in page
    # Marked as counting again, the warning goes and the survey publishes.
    Option.objects.filter(question=q["sat"], text="满意").update(indicator="satisfaction")
    assert "data-uncounted" not in client.get(url(s)).content.decode()
    assert api.post(f"/api/v1/surveys/{s.pk}/publish/").status_code == 200
