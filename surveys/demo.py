"""Demo and benchmark data: a questionnaire in the real shape (知晓率/支持率/参与率/满意率 of
创建全国文明城市) with a mock round and a real round, quotas, and responses in bulk."""

import datetime

from django.utils import timezone

from .models import Answer, Option, Question, Quota, Response, Section, Survey

A, S, P, F = "awareness", "support", "participation", "satisfaction"
# (section, text, kind, indicator, screening, required, [(option, counts?, in_frame)])
QUESTIONS = [
    ("一、基本情况", "您的年龄是？", "single", "", "age", True,
     [("18周岁以下", False, False), ("18–65周岁", False, True), ("65周岁以上", False, False)]),
    ("一、基本情况", "您在本地连续居住了多长时间？", "single", "", "residence", True,
     [("不满6个月", False, False), ("6个月及以上", False, True)]),
    ("二、知晓情况", "您知道我市正在创建全国文明城市吗？", "single", A, "", True,
     [("知道", True, True), ("不知道", False, True)]),
    ("二、知晓情况", "您知道社会主义核心价值观的内容吗？", "single", A, "", True,
     [("知道", True, True), ("知道一些", True, True), ("不知道", False, True)]),
    ("二、知晓情况", "您知道本社区的新时代文明实践站在哪里吗？", "single", A, "", True,
     [("知道", True, True), ("不知道", False, True)]),
    ("三、支持情况", "您支持我市创建全国文明城市吗？", "single", S, "", True,
     [("支持", True, True), ("无所谓", False, True), ("不支持", False, True)]),
    ("三、支持情况", "您愿意劝阻身边的不文明行为吗？", "single", S, "", True,
     [("愿意", True, True), ("看情况", False, True), ("不愿意", False, True)]),
    ("四、参与情况", "您参加过以下哪些创建活动？", "multiple", P, "", True,
     [("志愿服务", True, True), ("环境卫生整治", True, True), ("文明交通劝导", True, True),
      ("都没有参加过", False, True)]),
    ("四、参与情况", "您是否注册成为志愿者？", "single", P, "", True,
     [("已注册", True, True), ("没有", False, True)]),
    ("五、满意情况", "您对本社区的环境卫生满意吗？", "single", F, "", True,
     [("满意", True, True), ("比较满意", True, True), ("不太满意", False, True),
      ("不满意", False, True)]),
    ("五、满意情况", "您对本市公共秩序（交通、市场）满意吗？", "single", F, "", True,
     [("满意", True, True), ("比较满意", True, True), ("不太满意", False, True),
      ("不满意", False, True)]),
    ("五、满意情况", "您对公共文化服务（图书馆、文化广场）满意吗？", "single", F, "", True,
     [("满意", True, True), ("比较满意", True, True), ("不太满意", False, True),
      ("不满意", False, True)]),
    ("五、满意情况", "请为本市创建工作的总体成效打分", "rating", F, "", True,
     [("1分（很不满意）", False, True), ("2分（不满意）", False, True), ("3分（一般）", False, True),
      ("4分（比较满意）", True, True), ("5分（很满意）", True, True)]),
    ("五、满意情况", "您对创建工作中的群众意见处理满意吗？", "single", F, "", False,
     [("满意", True, True), ("比较满意", True, True), ("不满意", False, True)]),
    ("六、意见建议", "您对创建工作还有哪些意见和建议？", "text", "", "", False, []),
]
SUGGESTIONS = ["希望增加停车位", "小区垃圾清运再及时一些", "多组织志愿活动", "农贸市场环境要改善",
               "背街小巷路灯不亮", ""]


def build_survey(*, region, title, round_kind, starts_on, ends_on, status, by=None):
    """The demo questionnaire: 15 questions in six sections."""
    survey = Survey.objects.create(title=title, region=region, round_kind=round_kind,
                                   starts_on=starts_on, ends_on=ends_on, status=status,
                                   created_by=by, intro="本次调查匿名进行，约需3分钟，"
                                   "您的意见将帮助我们把创建工作做得更好。")
    sections = {}
    for order, (section, text, kind, indicator, screening, required, options) in enumerate(
            QUESTIONS, start=1):
        if section not in sections:
            sections[section] = Section.objects.create(survey=survey, title=section,
                                                       order=len(sections) + 1)
        q = Question.objects.create(survey=survey, section=sections[section], text=text,
                                    kind=kind, indicator=indicator, screening=screening,
                                    required=required, order=order)
        Option.objects.bulk_create([
            Option(question=q, text=o, order=n, indicator=indicator if counts else "",
                   in_frame=in_frame)
            for n, (o, counts, in_frame) in enumerate(options, start=1)
        ])
    return survey


def bulk_responses(*, survey, communities, count, rng, start, end, channels, quality,
                   interviewer=None, batch=2000):
    """Insert `count` responses with answers in bulk (no per-row saves). `quality` maps a
    community id to the chance of a positive answer, so some areas come out weak."""
    questions = list(survey.questions.prefetch_related("options"))
    through = Answer.choices.through
    span = (end - start).total_seconds()
    made = 0
    while made < count:
        n = min(batch, count - made)
        responses = []
        for _ in range(n):
            community = rng.choice(communities)
            responses.append(Response(survey=survey, community=community,
                                      channel=rng.choice(channels),
                                      interviewer=interviewer if channels != ["online"] else None,
                                      in_frame=True))
        Response.objects.bulk_create(responses)
        answers, chosen = [], []
        for r in responses:
            r.created = start + datetime.timedelta(seconds=rng.random() * span)
            p = quality[r.community_id]
            for q in questions:
                options = list(q.options.all())
                if q.kind == "text":
                    text = rng.choice(SUGGESTIONS)
                    if text:
                        answers.append(Answer(response=r, question=q, text=text))
                    continue
                if not q.required and rng.random() < 0.2:
                    continue  # an optional question skipped
                if q.screening:
                    ok = [o for o in options if o.in_frame]
                    out = [o for o in options if not o.in_frame]
                    option = rng.choice(out) if rng.random() < 0.04 else ok[0]
                    r.in_frame = r.in_frame and option.in_frame
                    answers.append(Answer(response=r, question=q, option=option))
                    continue
                good = [o for o in options if o.indicator]
                bad = [o for o in options if not o.indicator] or good
                if q.kind == "multiple":
                    picks = rng.sample(good, rng.randint(1, len(good))) if rng.random() < p \
                        else bad[:1]
                    answer = Answer(response=r, question=q)
                    answer.picks = picks
                    answers.append(answer)
                    continue
                pool = good if rng.random() < p else bad
                answers.append(Answer(response=r, question=q, option=rng.choice(pool)))
        Response.objects.bulk_update(responses, ["created", "in_frame"], batch_size=1000)
        Answer.objects.bulk_create(answers, batch_size=5000)
        for a in answers:
            chosen += [through(answer_id=a.pk, option_id=o.pk) for o in getattr(a, "picks", ())]
        through.objects.bulk_create(chosen, batch_size=5000)
        made += n


def seed(city):
    """A mock round last month and the real round now over 城关区, ~300 responses."""
    import random

    district = city.district
    if Survey.objects.filter(region=district).exists():
        return
    rng = random.Random(6)
    office = city.users["office"]
    communities = city.communities()
    today = timezone.localdate()
    mock = build_survey(region=district, title="创建全国文明城市群众满意度模拟调查",
                        round_kind=Survey.RoundKind.MOCK, starts_on=today - datetime.timedelta(40),
                        ends_on=today - datetime.timedelta(30), status=Survey.Status.CLOSED,
                        by=office)
    real = build_survey(region=district, title="创建全国文明城市群众满意度测评调查",
                        round_kind=Survey.RoundKind.REAL, starts_on=today - datetime.timedelta(7),
                        ends_on=today + datetime.timedelta(21), status=Survey.Status.OPEN,
                        by=office)
    real.copied_from, real.version = mock, 2
    real.save(update_fields=["copied_from", "version"])
    for survey in (mock, real):
        Quota.objects.bulk_create([Quota(survey=survey, community=c, target=20)
                                   for c in communities])
    quality = {c.pk: 0.6 + 0.35 * rng.random() for c in communities}
    now = timezone.now()
    bulk_responses(survey=mock, communities=communities, count=150, rng=rng,
                   start=now - datetime.timedelta(days=40), end=now - datetime.timedelta(days=30),
                   channels=["mock"], quality={k: v - 0.1 for k, v in quality.items()},
                   interviewer=city.users["inspector"])
    bulk_responses(survey=real, communities=communities, count=150, rng=rng,
                   start=now - datetime.timedelta(days=7), end=now,
                   channels=["online", "household", "intercept"], quality=quality,
                   interviewer=city.users["inspector"])


def generate(city):
    """Benchmark: one survey per district, 50,000 responses in all (city scale)."""
    total = 50_000 if city.scale == "city" else 500
    rng = city.rng
    today = timezone.localdate()
    now = timezone.now()
    per_district = total // len(city.districts)
    for district in city.districts:
        communities = [c for c in city.communities if c.path.startswith(district.path)]
        if not communities:
            continue
        survey = build_survey(region=district, title=f"{district.name}文明城市测评调查",
                              round_kind=Survey.RoundKind.REAL,
                              starts_on=today - datetime.timedelta(30), ends_on=today,
                              status=Survey.Status.OPEN)
        Quota.objects.bulk_create([Quota(survey=survey, community=c, target=20)
                                   for c in communities])
        bulk_responses(survey=survey, communities=communities, count=per_district, rng=rng,
                       start=now - datetime.timedelta(days=30), end=now,
                       channels=["online", "household", "intercept"],
                       quality={c.pk: 0.55 + 0.4 * rng.random() for c in communities},
                       batch=5000)
