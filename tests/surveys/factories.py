"""Factories for questionnaires; `survey_with_questions` builds the shape used in tests."""

import datetime

import factory

from surveys.models import Option, Question, Survey


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    title = factory.Sequence(lambda n: f"创建全国文明城市群众满意度调查{n}")
    round_kind = Survey.RoundKind.MOCK
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)
    status = Survey.Status.OPEN


def question(survey, text, kind="single", indicator="", required=True, screening="",
             options=()):
    """A question with options given as (text, indicator) or (text, indicator, in_frame)."""
    q = Question.objects.create(survey=survey, text=text, kind=kind, indicator=indicator,
                                required=required, screening=screening,
                                order=survey.questions.count() + 1)
    for n, spec in enumerate(options, start=1):
        text, opt_indicator, *rest = spec
        Option.objects.create(question=q, text=text, indicator=opt_indicator, order=n,
                              in_frame=rest[0] if rest else True)
    return q


def survey_with_questions(region, **kwargs):
    """Screening (age, residence), awareness single choice, support single, participation
    multiple, satisfaction rating-like single, an optional text question."""
    s = SurveyFactory(region=region, **kwargs)
    q = {}
    q["age"] = question(s, "您的年龄", screening="age", options=[
        ("18周岁以下", "", False), ("18–65周岁", "", True), ("65周岁以上", "", False)])
    q["res"] = question(s, "您在本地居住了多久", screening="residence", options=[
        ("不满6个月", "", False), ("6个月及以上", "", True)])
    q["aware"] = question(s, "您知道本市正在创建全国文明城市吗", indicator="awareness",
                          options=[("知道", "awareness"), ("不知道", "")])
    q["support"] = question(s, "您支持创建全国文明城市吗", indicator="support",
                            options=[("支持", "support"), ("无所谓", ""), ("不支持", "")])
    q["part"] = question(s, "您参加过哪些创建活动", kind="multiple", indicator="participation",
                         required=False, options=[("志愿服务", "participation"),
                                                  ("环境整治", "participation"),
                                                  ("都没有参加", "")])
    q["sat"] = question(s, "您对创建工作满意吗", indicator="satisfaction", options=[
        ("满意", "satisfaction"), ("比较满意", "satisfaction"), ("不太满意", ""),
        ("不满意", "")])
    q["text"] = question(s, "您还有什么建议", kind="text", required=False)
    return s, q


def opt(q, text):
    return q.options.get(text=text).pk
