"""测评得分预估: the projected assessment score of a region over the three-year cycle, built
from the three measures the national assessment uses.

Each year has three parts, each 0–100 % of its method's share (网上申报 40, 实地考察 40,
问卷调查 20 by default, `RankingWeights`):

* 网上申报 (`online_part`): Σ(分值 of the standard × approved share of what is required) ÷
  Σ(分值 of the standards required). A standard's requirement is every (ledger task of the
  year, unit required to hand it in: the lead and the contributing units); its approved
  share is the pairs whose current submission is 审核通过. A task not handed in counts as
  nothing: one approved out of 300 required is 0.3 %, not 100 %.
* 实地考察 (`field_part`): the field score of the year's latest assessment round (模拟测评,
  暗访, 省级 or 国测 recorded, `rounds.selectors.latest_field_score`) over the region or a region
  above it: the mean score of its sampled points the assessors' way. A year without a scored
  round takes Σ score ÷ Σ max score of the year's daily inspections at the region's points.
  Either way a region scoring 84 % everywhere projects 84 % of the 40, not the share of
  inspections that passed a threshold.
* 问卷调查 (`survey_part`): the latest real survey round (正式测评) of the year over the
  region; each of its rates weighs what the framework's survey standards (问卷调查 standards
  of the current framework) weigh, read from the rate their title names (知晓/支持/参与/满意),
  or the rates the questionnaire measures equally when the framework names none. The mock rounds (模拟调查) of the
  year are shown beside it and never mixed in.

A part without data says why (`state`). A year's score is Σ share × part ÷ 100 minus the
deductions of that year's negative-list entries, only when all three parts have data; years
still to come take the latest year's parts (marked 按最近一年推算). The cycle score is
Σ year weight × year score ÷ 100, only when every year has a score, else "尚缺：…" names
what is missing; one 一票否决 entry in the cycle zeroes it.
"""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import Unit
from ledgers.models import LedgerRequirement, LedgerSubmission, completion_rate
from points.models import FrameworkItem, Inspection
from rounds.selectors import latest_field_score
from surveys.models import INDICATORS, Indicator, Survey
from surveys.selectors import rates_by_survey

from .figures import day_end, weights_for, year_period

METHOD_LABELS = {"online": "网上申报", "field": "实地考察", "survey": "问卷调查"}

# The word a survey standard's title names its rate by.
SURVEY_WORDS = {Indicator.AWARENESS: "知晓", Indicator.SUPPORT: "支持",
                Indicator.PARTICIPATION: "参与", Indicator.SATISFACTION: "满意"}

FOOTNOTE = (
    "网上申报 = Σ（测评标准分值 × 该标准应报台账中审核通过的比例）÷ Σ 应报标准分值，未报送的按 0 计；"
    "实地考察 = 当年最近一轮测评（模拟测评、暗访等）抽中点位的平均得分率，"
    "当年还没有测评轮次得分时按日常点位检查 Σ 得分 ÷ Σ 满分；"
    "问卷调查 = 当年最近一次正式测评的四率，按测评体系问卷调查标准的分值加权（模拟调查只列在旁边，不计入）。"
    "年度预估 = Σ 方式占比 × 得分率 − 负面清单扣分，三项都有数据才给出；"
    "周期预估 = Σ 年度占比 × 年度预估，每年都有预估才给出，一票否决则为 0。")


def _pct(num, den):
    return round(100.0 * float(num) / float(den), 1) if den else None


def _part(key, value, state, detail="", **extra):
    return {"key": key, "label": METHOD_LABELS[key], "value": value, "state": state,
            "has_data": value is not None, "detail": detail, **extra}


def online_part(path, year):
    """网上申报 of the region at `path` in `year`: three queries (the tasks with their
    standards' 分值, their contributing units, the approved current submissions)."""
    tasks = list(LedgerRequirement.objects.filter(region__path__startswith=path, year=year)
                 .values_list("pk", "standard_id", "standard__score", "lead_unit_id"))
    if not tasks:
        return _part("online", None, "无数据：本年度没有台账任务")
    required = {pk: {lead} for pk, _s, _score, lead in tasks}
    for task_id, unit_id in LedgerRequirement.contributing_units.through.objects.filter(
            ledgerrequirement_id__in=required).values_list("ledgerrequirement_id", "unit_id"):
        required[task_id].add(unit_id)
    approved = set(LedgerSubmission.objects.filter(
        requirement_id__in=required, is_current=True,
        status=LedgerSubmission.Status.APPROVED).values_list("requirement_id", "unit_id"))
    standards = {}
    for pk, standard_id, score, _lead in tasks:
        entry = standards.setdefault(standard_id, {"score": score or 0, "required": 0, "ok": 0})
        entry["required"] += len(required[pk])
        entry["ok"] += sum(1 for unit_id in required[pk] if (pk, unit_id) in approved)
    total = sum(float(s["score"]) for s in standards.values())
    n_required = sum(s["required"] for s in standards.values())
    n_ok = sum(s["ok"] for s in standards.values())
    detail = f"{len(standards)} 项标准，应报 {n_required} 份，审核通过 {n_ok} 份"
    if not total:
        return _part("online", None, "无数据：台账任务对应的测评标准未填分值", detail)
    earned = sum(float(s["score"]) * s["ok"] / s["required"] for s in standards.values())
    # Not the 完成率 of the 工作台 (approved ÷ required by count): a standard worth more
    # points weighs more here, as in the assessment.
    detail += f"；按各标准分值加权（按份数计的完成率为 {completion_rate(n_ok, n_required)}%）" \
        if n_required else ""
    return _part("online", _pct(earned, total), "有数据", detail,
                 required=n_required, approved=n_ok)


def field_part(region, year, *, until=None):
    """实地考察 of `region` (a Unit) in `year`, up to `until` (a datetime; default the year's
    end): the year's latest scored round's field score (module docstring), else the daily
    inspections' Σ score ÷ Σ max score at points whose territorial unit lies in the region.
    Three queries (the daily inspections are shown beside a round's figure)."""
    period = year_period(year)
    end = min(period.end, until) if until else period.end
    agg = Inspection.objects.filter(
        point__territorial_unit__path__startswith=region.path, max_score__gt=0,
        created__gte=period.start, created__lt=end).aggregate(
        n=Count("pk"), score=Sum("score"), max_score=Sum("max_score"))
    daily = _pct(agg["score"], agg["max_score"])
    daily_detail = (f"{agg['n']} 次点位检查，得分 {agg['score']:g} / 满分 {agg['max_score']:g}"
                    if daily is not None else "")
    scored = latest_field_score(region, until=end, year=year) if region.pk else None
    if scored is not None:
        detail = f"{scored.points} 个抽样点位，换一批点位约 ±{scored.spread:.1f}"
        if daily is not None:
            detail += f"；日常点位检查 {daily}%（{daily_detail}，仅供对照）"
        return _part("field", round(scored.score, 1), "有数据", detail, source=scored.source,
                     source_url=scored.round.get_absolute_url(), daily=daily)
    if daily is None:
        return _part("field", None, "无数据：本年度没有测评轮次得分，也没有计分的点位检查")
    return _part("field", daily, "有数据", daily_detail,
                 source="日常点位检查（本年度还没有测评轮次得分）", daily=daily)


def survey_weights():
    """({indicator: weight}, named): the 分值 of the current framework's 问卷调查 standards
    summed per rate their title names; when the framework names none, every rate the
    questionnaire measures weighs the same (named False). One query."""
    items = FrameworkItem.objects.filter(
        framework__is_current=True, level=FrameworkItem.Level.STANDARD, method_survey=True,
    ).values_list("title", "score")
    weights = dict.fromkeys(INDICATORS, 0.0)
    for title, score in items:
        for indicator, word in SURVEY_WORDS.items():
            if word in title:
                weights[indicator] += float(score or 0)
    if not any(weights.values()):
        return dict.fromkeys(INDICATORS, 1.0), False
    return weights, True


def weighted_survey_rate(rates, weights):
    """Σ weight × rate ÷ Σ weight. With the framework's weights (named) a weighed rate
    without data leaves the round without a figure (it is not re-weighted away); with
    equal weights the rates the questionnaire measures count."""
    weights, named = weights
    used = {i: w for i, w in weights.items() if w and (named or rates.get(i) is not None)}
    if not used or any(rates.get(i) is None for i in used):
        return None
    return round(sum(w * rates[i] for i, w in used.items()) / sum(used.values()), 1)


def _surveys_of(region, year, today):
    ancestors = [int(p) for p in region.path.strip("/").split("/") if p]
    return list(Survey.objects.filter(
        Q(region__path__startswith=region.path) | Q(region_id__in=ancestors),
        starts_on__year=year, starts_on__lte=today).exclude(status=Survey.Status.DRAFT)
        .order_by("starts_on", "pk").only("pk", "title", "round_kind", "starts_on", "ends_on"))


def survey_part(region, year, *, today, weights):
    """问卷调查 of `region` in `year`: the latest real round, mock rounds beside it. Two
    queries (the rounds, then every round's rates in one grouped aggregate)."""
    named = weights[1]
    rounds = _surveys_of(region, year, today)
    rates = rates_by_survey(rounds, region.path)
    real = [s for s in rounds if s.round_kind == Survey.RoundKind.REAL]
    mocks = [{"title": s.title, "starts_on": s.starts_on, "rates": rates[s.pk],
              "value": weighted_survey_rate(rates[s.pk], weights)}
             for s in rounds if s.round_kind == Survey.RoundKind.MOCK]
    how = "按测评体系问卷调查标准分值加权" if named else "测评体系未写明各率分值，问卷所测各率等权"
    extra = {"mocks": mocks, "weights": weights[0]}
    if not real:
        return _part("survey", None, "无数据：本年度还没有正式测评的问卷", how, **extra)
    latest = real[-1]
    value = weighted_survey_rate(rates[latest.pk], weights)
    missing = [Indicator(i).label for i, w in weights[0].items() if w
               and rates[latest.pk].get(i) is None]
    state = "有数据" if value is not None else f"无数据：{latest.title}缺{'、'.join(missing)}"
    return _part("survey", value, state, how, source=latest.title, rates=rates[latest.pk],
                 **extra)


def year_parts(region, year, *, today, weights):
    """The three parts of one year as of the end of `today`, in the order of the methods."""
    return {"online": online_part(region.path, year),
            "field": field_part(region, year, until=day_end(today)),
            "survey": survey_part(region, year, today=today, weights=weights)}


def _region_of(user):
    path = user.scope_path
    if path is None:
        return None
    return Unit.objects.filter(path=path).first() or Unit(path=path, name="全部")


def projection(user, *, today=None):
    """Everything the 测评得分预估 page shows (module docstring). About 8 queries per year
    up to this one."""
    from .models import NegativeListEvent

    today = today or timezone.localdate()
    settings_row = weights_for(user)
    region = _region_of(user)
    first = settings_row.cycle_start_year or today.year - 2
    years = [first, first + 1, first + 2]
    year_weights = [settings_row.year1_weight, settings_row.year2_weight,
                    settings_row.year3_weight]
    methods = {"online": settings_row.method_online, "field": settings_row.method_field,
               "survey": settings_row.method_survey}
    events = list(NegativeListEvent.objects.visible_to(user).select_related("unit")
                  .filter(date__year__in=years).order_by("date", "pk"))
    weights = survey_weights()
    rows, latest = [], None
    for year, weight in zip(years, year_weights, strict=True):
        estimated = year > today.year
        if not estimated and region is not None:
            latest = (year, year_parts(region, year, today=today, weights=weights))
        parts = latest[1] if latest else {
            k: _part(k, None, "无数据") for k in METHOD_LABELS}
        for key, part in parts.items():
            part = parts[key] = {**part, "share": methods[key]}
            part["points"] = (round(part["value"] * methods[key] / 100, 1)
                              if part["has_data"] else None)
        missing = [p["label"] for p in parts.values() if not p["has_data"]]
        deduction = float(sum(e.deduction for e in events if e.date.year == year
                              and not e.is_veto))
        base = None if missing else round(sum(p["points"] for p in parts.values()), 1)
        score = max(0.0, round(base - deduction, 1)) if base is not None else None
        rows.append({"year": year, "weight": weight, "parts": parts, "missing": missing,
                     "base": base, "deduction": deduction, "score": score,
                     "estimated": estimated, "from_year": latest[0] if latest else None})
    vetoes = [e for e in events if e.is_veto]
    missing = [f"{r['year']}年{'、'.join(r['missing'])}" for r in rows if r["missing"]]
    cycle = None if missing else round(sum(r["weight"] * r["score"] for r in rows) / 100, 1)
    if vetoes:
        cycle = 0.0
    return {"years": rows, "cycle": cycle, "missing": missing, "vetoes": vetoes,
            "events": events, "methods": methods, "settings": settings_row,
            "footnote": FOOTNOTE, "today": today}


def cycle_missing_text(data):
    """尚缺：… for a cycle without a total."""
    return "尚缺：" + "；".join(data["missing"]) if data["missing"] else ""

