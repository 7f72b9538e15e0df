"""The surveys panel of the 工作台.

Office staff and leaders: the open surveys with their response counts and quota progress, and
the communities weakest in satisfaction against the target (the ones to visit before the real
test). Interviewers (inspectors, point chiefs): how far the quotas of their area are and how
many they entered themselves. Five queries whatever the number of surveys and responses."""

from django.db.models import Count, Q

from accounts.models import Role

from .models import Response, Survey, result_scope_path
from .selectors import _feeding, _hit, _ids, _pct, _scoped_answers

ROWS = 5
OFFICE_ROLES = (Role.OFFICE, Role.LEADER)
INTERVIEWER_ROLES = (Role.INSPECTOR, Role.POINT_CHIEF)
# Fewer satisfaction answers than this in a community say too little to rank it.
MIN_ANSWERS = 3


def _progress(surveys, path, user):
    """Per survey: quota total, in-frame answers counted toward it (at most the quota per
    community, as submitting enforces),
    all valid answers, mine, communities still short. Two queries."""
    from .models import Quota

    ids = [s.pk for s in surveys]
    quotas = Quota.objects.filter(survey__in=ids)
    responses = Response.objects.filter(survey__in=ids, voided=False)
    if path:
        quotas = quotas.filter(community__path__startswith=path)
        responses = responses.filter(community__path__startswith=path)
    done = {(r["survey_id"], r["community_id"]): r for r in responses.values(
        "survey_id", "community_id").annotate(n=Count("pk", filter=Q(in_frame=True)),
                                               mine=Count("pk", filter=Q(interviewer=user)))}
    result = {s.pk: {"target": 0, "counted": 0, "mine": 0, "short": 0, "percent": None}
              for s in surveys}
    for (survey_id, _community), row in done.items():
        result[survey_id]["mine"] += row["mine"]
    for survey_id, community_id, target in quotas.values_list("survey_id", "community_id",
                                                              "target"):
        n = done.get((survey_id, community_id), {}).get("n", 0)
        entry = result[survey_id]
        entry["target"] += target
        entry["counted"] += min(n, target)
        entry["short"] += n < target
    for entry in result.values():
        if entry["target"]:
            entry["percent"] = min(100, round(100 * entry["counted"] / entry["target"]))
    return result


def _weakest(surveys, path):
    """The communities with the lowest satisfaction against their survey's target, over the
    open surveys (inside the sampling frame, at least MIN_ANSWERS answers). Two queries."""
    ids = [s.pk for s in surveys]
    feed = _feeding(ids)["satisfaction"]
    if not feed["questions"]:
        return []
    hit = _hit(feed["options"], feed["multi_questions"], feed["multi_options"])
    # No transaction of its own: the app runs with PostgreSQL's JIT off (config/settings.py).
    rows = list(_scoped_answers({"response__survey__in": ids}, path)
                .filter(question_id__in=_ids(feed["questions"]))
                .values("response__survey_id", "response__community_id",
                        "response__community__name")
                .annotate(den=Count("pk"), num=Count("pk", filter=hit)))
    by_id = {s.pk: s for s in surveys}
    weakest = []
    for r in rows:
        if r["den"] < MIN_ANSWERS:
            continue
        survey = by_id[r["response__survey_id"]]
        rate = _pct(r["num"], r["den"])
        target = float(survey.target_satisfaction)
        weakest.append({"survey": survey, "community": r["response__community__name"],
                        "rate": rate, "target": target, "gap": round(rate - target, 1),
                        "answers": r["den"]})
    weakest.sort(key=lambda w: (w["gap"], w["community"]))
    return weakest[:ROWS]


def home_panel(user):
    if user.scope_path is None:
        return None
    if user.is_superuser or user.role in OFFICE_ROLES:
        mode = "office"
    elif user.role in INTERVIEWER_ROLES:
        mode = "interviewer"
    else:
        return None
    path = result_scope_path(user) or ""
    surveys = list(Survey.objects.visible_to(user).filter(status=Survey.Status.OPEN)
                   .select_related("region").with_response_counts()
                   .order_by("ends_on", "pk")[:ROWS])
    if not surveys:
        return {"mode": mode, "surveys": [], "weakest": []}
    progress = _progress(surveys, path, user)
    rows = [{"survey": s, **progress[s.pk]} for s in surveys]
    return {"mode": mode, "surveys": rows,
            "weakest": _weakest(surveys, path) if mode == "office" else [],
            "is_office": user.is_superuser or user.role == Role.OFFICE}
