"""Survey results: counts and rates per survey, area, question and round.

How the rates are defined
-------------------------
For an indicator I (awareness 知晓率, support 支持率, participation 参与率, satisfaction 满意率):

    rate(I) = hits(I) / answered(I) × 100 %

* answered(I): answers to questions whose `indicator` is I (one per respondent and
  question; a skipped optional question is no answer and is not counted);
* hits(I): those of them that chose an option whose `indicator` is I (for a multiple choice
  question: at least one such option). An option feeding no indicator (e.g. "不满意",
  "不清楚") counts in answered(I), never in hits(I);
* only valid responses count (not voided) that lie inside the national sampling frame
  (every screening question answered with an option marked "符合抽样条件": 18–65 years old,
  lived there ≥ 6 months). Out-of-frame responses are kept and counted apart.

`response_count` is every valid response, inside the frame or not. A rate with no answered
question is None ("no data"), never 0.

An area of several communities (a street, the district, the round as a whole) takes its
rates as the sampling plan weighs its communities when the round has quotas (样本配额):
Σ quota × community rate ÷ Σ quota (`weighted_rates`); without quotas its communities'
answers are pooled. The results page, the API and the projection read the same figure.

Every figure comes from grouped aggregate queries over Answer joined to Question and Option
(no Python loop over responses): area figures are grouped by community in one query and
summed or weighted up to streets and the district.
"""

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Unit

from .models import (
    INDICATORS,
    Answer,
    Indicator,
    Option,
    Question,
    Quota,
    Response,
    Survey,
    result_scope_path,
)

_through = Answer.choices.through


@contextmanager
def _without_jit():
    """PostgreSQL prices the per-answer EXISTS high and then spends longer JIT-compiling the
    query than running it (bench/REMARKS.md); turn JIT off for this transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _ids(values):
    # 0 is never a primary key: an empty list stays a valid, always-false IN ().
    return sorted(values) or [0]


def _feeding(survey_ids):
    """For each indicator: the questions feeding it, the options counting toward it, and
    which of those belong to multiple choice questions. One small query over Option."""
    rows = Option.objects.filter(question__survey__in=survey_ids).values_list(
        "id", "indicator", "question_id", "question__indicator", "question__kind")
    feed = {i: {"questions": set(), "options": set(), "multi_questions": set(),
                "multi_options": set()} for i in INDICATORS}
    for option_id, indicator, question_id, question_indicator, kind in rows:
        if question_indicator:
            feed[question_indicator]["questions"].add(question_id)
            if kind == Question.Kind.MULTIPLE:
                feed[question_indicator]["multi_questions"].add(question_id)
        if indicator:
            key = "multi_options" if kind == Question.Kind.MULTIPLE else "options"
            feed[indicator][key].add(option_id)
    return feed


def _hit(options, multi_questions, multi_options):
    """An answer that chose a counting option: the single choice (or rating) itself, or,
    for a multiple choice answer, at least one of its chosen options (counted once)."""
    multi = Exists(_through.objects.filter(answer=OuterRef("pk"),
                                           option_id__in=_ids(multi_options)))
    return Q(option_id__in=_ids(options)) | (Q(question_id__in=_ids(multi_questions)) & multi)


def _rate_aggregates(feed):
    # Integer IN lists on Answer's own columns: no join to Question or Option, and the
    # multiple-choice EXISTS runs only for the few answers of multiple choice questions.
    aggs = {}
    for ind in INDICATORS:
        f = feed[ind]
        aggs[f"{ind}_den"] = Count("pk", filter=Q(question_id__in=_ids(f["questions"])))
        aggs[f"{ind}_num"] = Count("pk", filter=Q(question_id__in=_ids(f["questions"])) & _hit(
            f["options"], f["multi_questions"], f["multi_options"]))
    return aggs


def _pct(num, den):
    return round(100.0 * num / den, 1) if den else None


def _rates(row):
    return {ind: _pct(row.get(f"{ind}_num", 0), row.get(f"{ind}_den", 0)) for ind in INDICATORS}


def _scoped_answers(survey_filter, path):
    qs = Answer.objects.filter(response__voided=False, response__in_frame=True, **survey_filter)
    if path:
        qs = qs.filter(response__community__path__startswith=path)
    return qs


def rates_for(survey, path=""):
    """{indicator: percent or None} of `survey` over communities under `path`, weighted by
    the sampling plan as `rates_by_survey` says. The benchmark operation (50,000
    responses)."""
    return rates_by_survey([survey], path)[survey.pk]


def rates_by_survey(surveys, path=""):
    """{survey id: {indicator: percent or None}} of several rounds over communities under
    `path`. A round with quotas (样本配额) weighs its communities as the plan does
    (`weighted_rates`), as its results page does; a round without pools the answers. Three
    queries: the counting options, one aggregate grouped by round and community, the quotas
    (none when there are no rounds)."""
    ids = [s.pk for s in surveys]
    if not ids:
        return {}
    with _without_jit():
        rows = _scoped_answers({"response__survey__in": ids}, path).values(
            "response__survey_id", "response__community_id").annotate(
            **_rate_aggregates(_feeding(ids)))
        per_community = {pk: {} for pk in ids}
        for row in rows:
            per_community[row["response__survey_id"]][row["response__community_id"]] = row
    quotas = {pk: {} for pk in ids}
    planned = Quota.objects.filter(survey_id__in=ids, target__gt=0)
    if path:
        planned = planned.filter(community__path__startswith=path)
    for survey_id, community_id, target in planned.values_list("survey_id", "community_id",
                                                               "target"):
        quotas[survey_id][community_id] = target
    out = {}
    for pk in ids:
        weighted = weighted_rates(quotas[pk], per_community[pk], quotas[pk])
        out[pk] = weighted if weighted is not None else _rates(_pooled(per_community[pk]))
    return out


def _pooled(per_community):
    """The numerators and denominators of the communities added up."""
    totals = {}
    for counts in per_community.values():
        for key, value in counts.items():
            if key.endswith(("_num", "_den")):
                totals[key] = totals.get(key, 0) + value
    return totals


def _gap(rates, targets):
    gaps = [rates[i] - targets[i] for i in INDICATORS if rates[i] is not None]
    return min(gaps) if gaps else None


def _area_row(unit, counts, targets, quota=None):
    rates = _rates(counts)
    return {
        "id": unit.pk, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
        "response_count": counts.get("n", 0), "in_frame_count": counts.get("in_frame", 0),
        "quota": quota, "rates": rates, "gap": _gap(rates, targets),
        "counts": {i: [counts.get(f"{i}_num", 0), counts.get(f"{i}_den", 0)]
                   for i in INDICATORS},
    }


def _weakest_first(rows):
    return sorted(rows, key=lambda r: (r["gap"] is None, r["gap"] or 0, r["name"]))


def survey_results(*, survey, user):
    """Everything the results page and `GET /api/v1/surveys/{id}/results/` show, limited to
    the communities the user may see. About ten queries, whatever the number of responses."""
    with _without_jit():
        return _survey_results(survey, user)


def _survey_results(survey, user):
    path = result_scope_path(user) or ""
    targets = survey.targets()
    responses = Response.objects.filter(survey=survey, voided=False)
    if path:
        responses = responses.filter(community__path__startswith=path)
    # Query 1: response counts per community.
    count_rows = responses.values("community_id").annotate(
        n=Count("pk"), in_frame=Count("pk", filter=Q(in_frame=True)))
    per_community = {r["community_id"]: dict(r) for r in count_rows}
    # Queries 2 and 3: the counting options, then every rate's numerator and denominator
    # per community in one grouped aggregate.
    feed = _feeding([survey.pk])
    for r in _scoped_answers({"response__survey": survey}, path) \
            .values("response__community_id").annotate(**_rate_aggregates(feed)):
        per_community.setdefault(r["response__community_id"], {}).update(r)
    # Query 4: quotas.
    quotas = dict(survey.quotas.values_list("community_id", "target"))
    # Query 5: the areas (district, streets, communities) of the survey within the scope.
    units = Unit.objects.filter(path__startswith=survey.region.path).filter(
        kind__in=[Unit.Kind.DISTRICT, Unit.Kind.CITY, Unit.Kind.STREET, Unit.Kind.COMMUNITY])
    if path:
        units = units.filter(Q(path__startswith=path) | Q(pk__in=_ancestor_ids(path)))
    units = list(units.only("id", "name", "kind", "parent_id", "path"))
    communities = [u for u in units if u.kind == Unit.Kind.COMMUNITY
                   and (not path or u.path.startswith(path))]
    totals = {}
    rolled = {}
    keys = ["n", "in_frame"] + [f"{i}_{p}" for i in INDICATORS for p in ("num", "den")]
    for community in communities:
        counts = per_community.get(community.pk, {})
        for ancestor in community.path.strip("/").split("/")[:-1]:
            bucket = rolled.setdefault(int(ancestor), {})
            for key in keys:
                bucket[key] = bucket.get(key, 0) + counts.get(key, 0)
        for key in keys:
            totals[key] = totals.get(key, 0) + counts.get(key, 0)
    community_rows = [_area_row(c, per_community.get(c.pk, {}), targets, quotas.get(c.pk))
                      for c in communities]
    street_rows = [_area_row(u, rolled.get(u.pk, {}), targets, None) for u in units
                   if u.kind == Unit.Kind.STREET and (not path or u.path.startswith(path))]
    district_rows = [_area_row(u, rolled.get(u.pk, {}), targets, None) for u in units
                     if u.kind in (Unit.Kind.DISTRICT, Unit.Kind.CITY)
                     and u.path.startswith(survey.region.path)]
    for row in street_rows + district_rows:
        weighted = weighted_rates([c.pk for c in communities if f"/{row['id']}/" in c.path],
                                  per_community, quotas)
        if weighted is not None:
            row["rates"], row["gap"] = weighted, _gap(weighted, targets)
    overall = weighted_rates([c.pk for c in communities], per_community, quotas)
    return {
        "survey": survey.pk,
        "response_count": totals.get("n", 0),
        "in_frame_count": totals.get("in_frame", 0),
        "rates": overall if overall is not None else _rates(totals),
        "weighted": overall is not None,
        "targets": targets,
        "counts": {i: [totals.get(f"{i}_num", 0), totals.get(f"{i}_den", 0)]
                   for i in INDICATORS},
        "areas": {
            "communities": _weakest_first(community_rows),
            "streets": _weakest_first(street_rows),
            "districts": district_rows,
        },
        "questions": question_results(survey=survey, path=path),  # 4 queries
        "trend": survey_trend(survey=survey, user=user, path=path),  # 2 queries
    }


def weighted_rates(community_ids, per_community, quotas):
    """An area's rates as the sampling plan weighs its communities: each community's own rate
    weighted by its quota (目标份数), Σ quota × rate ÷ Σ quota over the communities with a
    quota and answers to that indicator, so a community that answered 45 times does not
    outweigh one that answered its 20. None when no community of the area has a quota (the
    answers are then pooled)."""
    planned = [pk for pk in community_ids if quotas.get(pk)]
    if not planned:
        return None
    rates = {}
    for ind in INDICATORS:
        num = den = 0.0
        for pk in planned:
            counts = per_community.get(pk, {})
            if counts.get(f"{ind}_den"):
                num += quotas[pk] * counts.get(f"{ind}_num", 0) / counts[f"{ind}_den"]
                den += quotas[pk]
        rates[ind] = round(100.0 * num / den, 1) if den else None
    return rates


def _ancestor_ids(path):
    return [int(p) for p in path.strip("/").split("/") if p]


def question_results(*, survey, path=""):
    """Per question: answers, per-option counts and, for indicator questions, the rate."""
    questions = list(survey.questions.prefetch_related("options").select_related("section"))
    base = _scoped_answers({"response__survey": survey}, path)
    multi = {q.pk for q in questions if q.kind == Question.Kind.MULTIPLE}
    counting = [(q.pk, o.pk) for q in questions for o in q.options.all() if o.indicator]
    hit = _hit({o for q, o in counting if q not in multi}, multi,
               {o for q, o in counting if q in multi})
    per_question = {
        r["question_id"]: r for r in base.values("question_id").annotate(
            answered=Count("pk"), hits=Count("pk", filter=hit))
    }
    option_counts = dict(base.exclude(option=None).values("option_id")
                         .annotate(n=Count("pk")).values_list("option_id", "n"))
    multi = _through.objects.filter(answer__in=base.filter(question__kind="multiple"))
    option_counts.update(multi.values("option_id").annotate(n=Count("pk"))
                         .values_list("option_id", "n"))
    rows = []
    for q in questions:
        stats = per_question.get(q.pk, {})
        answered = stats.get("answered", 0)
        rows.append({
            "id": q.pk, "order": q.order, "text": q.text, "kind": q.kind,
            "section": q.section.title if q.section else "",
            "indicator": q.indicator, "indicator_label": Indicator(q.indicator).label
            if q.indicator else "", "screening": q.screening, "answered": answered,
            "rate": _pct(stats.get("hits", 0), answered) if q.indicator else None,
            "options": [{"id": o.pk, "text": o.text, "indicator": o.indicator,
                         "count": option_counts.get(o.pk, 0)} for o in q.options.all()],
        })
    return rows


def survey_trend(*, survey, user, path=""):
    """The rates of every round (mock and real) in the survey's region, oldest first."""
    rounds = list(Survey.objects.visible_to(user).filter(region=survey.region)
                  .order_by("starts_on", "id").only("id", "title", "round_kind", "starts_on"))
    ids = [s.pk for s in rounds]
    per_survey = {
        r["response__survey_id"]: r
        for r in _scoped_answers({"response__survey__in": ids}, path)
        .values("response__survey_id").annotate(**_rate_aggregates(_feeding(ids)))
    }
    return [{"id": s.pk, "title": s.title, "round_kind": s.round_kind,
             "round_label": s.get_round_kind_display(), "starts_on": s.starts_on.isoformat(),
             "rates": _rates(per_survey.get(s.pk, {}))} for s in rounds]


def quota_progress(*, survey, user):
    """Per community of the survey inside the user's scope: its quota (目标份数), the valid
    responses so far (done; in_frame of them inside the sampling frame; mine entered by this
    user), the percentage and how many are still missing; with totals. Three queries.

    The total percentage counts at most the quota of each community, so 40 answers in one
    community do not hide another one with none."""
    path = result_scope_path(user)
    if path is None:
        return {"rows": [], "totals": _quota_totals([])}
    communities = Unit.objects.filter(path__startswith=survey.region.path,
                                      kind=Unit.Kind.COMMUNITY, is_active=True)
    if path:
        communities = communities.filter(path__startswith=path)
    communities = list(communities.select_related("parent").order_by("path"))
    responses = Response.objects.filter(survey=survey, voided=False)
    if path:
        responses = responses.filter(community__path__startswith=path)
    counts = {r["community_id"]: r for r in responses.values("community_id").annotate(
        done=Count("pk"), in_frame=Count("pk", filter=Q(in_frame=True)),
        mine=Count("pk", filter=Q(interviewer=user)))}
    quotas = dict(survey.quotas.values_list("community_id", "target"))
    rows = []
    for c in communities:
        stats = counts.get(c.pk, {})
        target = quotas.get(c.pk)
        done = stats.get("done", 0)
        counted = stats.get("in_frame", 0)  # only in-frame responses fill a quota
        rows.append({
            "community": c.pk, "community_name": c.name,
            "street": c.parent_id, "street_name": c.parent.name if c.parent else "",
            "target": target, "done": done, "in_frame": stats.get("in_frame", 0),
            "mine": stats.get("mine", 0),
            "percent": min(100, round(100 * counted / target)) if target else None,
            "missing": max(0, target - counted) if target else None,
        })
    return {"rows": rows, "totals": _quota_totals(rows)}


def _quota_totals(rows):
    with_quota = [r for r in rows if r["target"]]
    target = sum(r["target"] for r in with_quota)
    counted = sum(min(r["in_frame"], r["target"]) for r in with_quota)
    return {
        "communities": len(rows), "with_quota": len(with_quota),
        "met": sum(1 for r in with_quota if r["in_frame"] >= r["target"]),
        "target": target, "done": sum(r["done"] for r in rows), "counted": counted,
        "mine": sum(r["mine"] for r in rows),
        "missing": sum(r["missing"] for r in with_quota),
        "percent": min(100, round(100 * counted / target)) if target else None,
    }
