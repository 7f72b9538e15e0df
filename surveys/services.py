"""Writes of the survey app: build and copy questionnaires, take responses, void them."""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMinute

from accounts.models import Role, Unit

from .models import (
    WORKFLOW,
    Answer,
    Option,
    Question,
    Quota,
    Response,
    Section,
    Survey,
    SurveyEvent,
)

RATING_LABELS = ["1分（很不满意）", "2分（不满意）", "3分（一般）", "4分（比较满意）",
                 "5分（很满意）"]
# A burst: this many responses or more in one minute from one community and channel.
BURST_PER_MINUTE = 8


def device_hash(token):
    """The stored form of a device cookie: a keyed hash, so the raw token never reaches the
    database and cannot be matched against another site's cookies."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:survey-device:{token}".encode()).hexdigest()


def _check_office(user, survey=None, *, lock=False):
    """The survey as `user` may see it (NotInScope → 404 otherwise), locked when asked;
    PermissionDenied unless `user` is office staff."""
    if survey is not None:
        survey = Survey.objects.get_visible(user, survey.pk, lock=lock, related=("region",))
    if not (user.is_superuser or user.role == Role.OFFICE):
        raise PermissionDenied("只有创城办工作人员可以管理问卷。")
    return survey


def _event(survey, actor, action, detail=""):
    SurveyEvent.objects.create(survey=survey, actor=actor, action=action, detail=detail[:300])


@transaction.atomic
def survey_set_status(*, survey, by, status):
    """Publish (draft or closed → open) or close (open → closed) a survey, as `WORKFLOW`
    allows (TransitionError → 409 otherwise); locks its row."""
    survey = _check_office(by, survey, lock=True)
    if status not in (Survey.Status.OPEN, Survey.Status.CLOSED):
        raise ValidationError({"status": "问卷状态只能改为“进行中”或“已结束”。"})
    WORKFLOW.check(survey, WORKFLOW.leading_to(status).name)
    if status == Survey.Status.OPEN:
        questions = list(survey.questions.prefetch_related("options"))
        if not questions:
            raise ValidationError({"status": "问卷还没有题目，不能发布。"})
        uncounted = [q.counts_nothing_message() for q in questions if q.counts_nothing]
        if uncounted:
            raise ValidationError({"status": ["不能发布：" + m for m in uncounted]})
    old = survey.status
    survey.status = status
    survey.save(update_fields=["status"])
    _event(survey, by, SurveyEvent.Action.STATUS, f"{old} → {status}")
    return survey


@transaction.atomic
def survey_copy(*, survey, by, title=None, round_kind=None, starts_on=None, ends_on=None):
    """A new draft version of `survey` with copies of its sections, questions, options and
    quotas. Responses stay with the original, so answers already given never change."""
    survey = _check_office(by, survey)
    new = Survey.objects.get(pk=survey.pk)
    new.pk = None
    new.id = None
    new.public_token = Survey._meta.get_field("public_token").default()
    new.title = title or survey.title
    new.round_kind = round_kind or survey.round_kind
    new.starts_on = starts_on or survey.starts_on
    new.ends_on = ends_on or survey.ends_on
    new.status = Survey.Status.DRAFT
    new.version = survey.version + 1
    new.copied_from = survey
    new.created_by = by
    new.full_clean()
    new.save()
    sections = {}
    for section in survey.sections.all():
        sections[section.pk] = Section.objects.create(survey=new, title=section.title,
                                                      order=section.order)
    questions = list(survey.questions.prefetch_related("options"))
    for q in questions:
        old_options = list(q.options.all())
        q.pk = None
        q.survey = new
        q.section = sections.get(q.section_id)
        q.save()
        Option.objects.bulk_create([
            Option(question=q, text=o.text, order=o.order, indicator=o.indicator,
                   in_frame=o.in_frame) for o in old_options
        ])
    Quota.objects.bulk_create([Quota(survey=new, community_id=qt.community_id, target=qt.target)
                               for qt in survey.quotas.all()])
    _event(survey, by, SurveyEvent.Action.COPY, f"复制为第 {new.version} 版（#{new.pk}）")
    _event(new, by, SurveyEvent.Action.CREATED, f"复制自 #{survey.pk}")
    return new


@dataclass(frozen=True, slots=True)
class QuestionRule:
    """What checking an answer needs of one question: `options` maps each option's id to
    whether choosing it keeps the respondent in the sampling frame."""

    pk: int
    order: int
    text: str
    kind: str
    required: bool
    screening: str
    options: dict


QUESTIONNAIRE_SECONDS = 24 * 3600
# What this process read of the cache, by key: a kept questionnaire never changes (an edit
# makes a new revision, so a new key); a few hundred surveys at most, cleared when full.
_questionnaires = {}


def questionnaire(survey, revision=None):
    """The survey's questions in order as `QuestionRule`s, kept per revision of the
    questionnaire (`revision`, else the one `survey` was read with) in the cache and in the
    process. Every edit moves the revision in its own transaction (Survey.questions_changed),
    so what is kept under a revision is what the questions were at it. Two queries when not
    kept, none when kept; without a cache, read every time."""
    key = (f"surveys:questionnaire:{survey.pk}:{survey.public_token}:"
           f"{survey.questions_revision if revision is None else revision}")
    kept = _questionnaires.get(key)
    if kept is not None:
        return kept
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache being down must not stop the answers
        return _read_questionnaire(survey)
    if kept is None:
        kept = _read_questionnaire(survey)
        try:
            cache.set(key, kept, timeout=QUESTIONNAIRE_SECONDS)
        except Exception:  # noqa: BLE001 - not kept: read again next time
            return kept
    if len(_questionnaires) >= 500:
        _questionnaires.clear()
    _questionnaires[key] = kept
    return kept


def _read_questionnaire(survey):
    options = {}
    for question_id, pk, in_frame in Option.objects.filter(question__survey=survey).order_by(
            "question", "order", "pk").values_list("question", "pk", "in_frame"):
        options.setdefault(question_id, {})[pk] = in_frame
    return tuple(
        QuestionRule(pk=pk, order=order, text=text, kind=kind, required=required,
                     screening=screening, options=options.get(pk, {}))
        for pk, order, text, kind, required, screening in survey.questions.order_by(
            "order", "pk").values_list("pk", "order", "text", "kind", "required", "screening"))


def _clean_answers(questions, raw):
    """Turn {question_id: value} into Answer rows (unsaved) and the in-frame verdict, checked
    against `questions` (from `questionnaire`).

    value: an option id for single choice and rating, a list of option ids for multiple
    choice, a string for text. Raises ValidationError with one message per question
    ("q<id>") or for "answers" as a whole. Multiple-choice rows carry their option ids in
    `chosen`."""
    if not isinstance(raw, dict):
        raise ValidationError({"answers": "没有收到任何答案，请作答后再提交。"})
    by_id = {q.pk: q for q in questions}
    errors = {}
    rows = []
    in_frame = True
    for key in raw:
        try:
            if int(key) not in by_id:
                raise ValueError
        except (TypeError, ValueError):
            errors["answers"] = f"题目编号“{key}”不属于本问卷。"
    for q in questions:
        value = raw.get(q.pk, raw.get(str(q.pk)))
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if q.required:
                errors[f"q{q.pk}"] = f"第 {q.order} 题“{q.text}”为必答题，请作答。"
            if q.screening:
                in_frame = False
            continue
        options = q.options
        answer = Answer(question_id=q.pk)
        try:
            if q.kind == Question.Kind.TEXT:
                if not isinstance(value, str) or len(value) > 2000:
                    raise ValueError
                answer.text = value
            elif q.kind == Question.Kind.MULTIPLE:
                ids = value if isinstance(value, list) else [value]
                ids = {int(v) for v in ids}
                if not ids or not ids <= options.keys():
                    raise ValueError
                answer.chosen = sorted(ids)
            else:
                if isinstance(value, list):
                    raise ValueError
                option_id = int(value)
                if not options[option_id] and q.screening:  # KeyError: not an option of q
                    in_frame = False
                answer.option_id = option_id
        except (TypeError, ValueError, KeyError):
            errors[f"q{q.pk}"] = f"第 {q.order} 题“{q.text}”的答案无效，请重新选择。"
            continue
        rows.append(answer)
    if not raw:
        # Nothing answered: said once, and each required question is marked as well.
        errors["answers"] = "没有收到任何答案，请作答后再提交。"
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"answers": "没有收到任何答案，请作答后再提交。"})
    return rows, in_frame


QUOTA_FULL = "本社区样本已满，感谢参与"


def quota_count(survey, community):
    """What counts toward a community's quota: its valid (not voided) responses inside the
    sampling frame; an out-of-frame respondent takes no place."""
    return Response.objects.filter(survey=survey, community=community, voided=False,
                                   in_frame=True).count()


def community_full(survey, community):
    """The community has a quota and it is met: its form takes no more answers."""
    target = survey.quotas.filter(community=community).values_list("target", flat=True).first()
    return target is not None and quota_count(survey, community) >= target


def _share_lock(survey):
    """Hold the survey row against a questionnaire edit until this response is saved, and
    return the questionnaire's revision as of then. FOR KEY SHARE (the lock the response's
    foreign key takes anyway, taken before the answers are checked) waits for an edit in
    progress (FOR UPDATE in surveys.editing) and makes a later edit wait and then see this
    response, while responses never wait for each other. (SQLite: the transaction holds the
    whole database already.)"""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT questions_revision FROM {Survey._meta.db_table} WHERE id = %s"
                       f"{lock}", [survey.pk])
        row = cursor.fetchone()
    return row[0] if row else survey.questions_revision


class AlreadyAnswered(ValidationError):
    """This device's answer to the survey is already stored (the one-per-device constraint
    refused a second)."""


def device_answered(survey, device):
    """Whether the device cookie `device` has already answered `survey` (voided answers
    included: the one-per-device rule counts them too). One query; none without a cookie."""
    if not device:
        return False
    return Response.objects.filter(survey=survey, device_hash=device_hash(device)).exists()


@transaction.atomic
def response_submit(*, survey, community, answers, channel, interviewer=None, device="",
                    today=None):
    """Save one filled-in questionnaire with its answers, or raise ValidationError.

    `device` is the raw device cookie of an online respondent: only its hash is stored, and a
    second response from the same device to the same survey is refused with AlreadyAnswered
    (the unique constraint holds even when two requests race). Staff entries pass
    `interviewer` and no device. When `today` is given the survey must be open on that date.
    Costs about seven queries (two more when the questionnaire is not kept)."""
    if today is not None and not survey.accepts_answers(today):
        raise ValidationError({"survey": survey.closed_message(today) or "本问卷暂不接受填写。"})
    revision = _share_lock(survey)
    if channel not in Response.Channel.values:
        raise ValidationError({"channel": "调查渠道无效。"})
    # A missing community and unanswered questions are reported together, so the respondent
    # fixes everything in one go.
    errors = {}
    if community is None or community.kind != Unit.Kind.COMMUNITY \
            or not community.path.startswith(survey.region.path):
        errors["community"] = ["请选择本次调查范围内的社区。"]
    try:
        rows, in_frame = _clean_answers(questionnaire(survey, revision), answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    # The sampling plan's quota, enforced: the row is locked so that two respondents racing
    # for the last place of a community cannot both be counted (PostgreSQL: FOR UPDATE).
    # (Unordered: the quota's default order joins the unit, which FOR UPDATE would lock too.)
    quota = Quota.objects.select_for_update().filter(survey=survey, community=community
                                                     ).order_by().first()
    if quota is not None and quota_count(survey, community) >= quota.target:
        raise ValidationError({"community": QUOTA_FULL})
    response = Response(survey=survey, community=community, channel=channel,
                        interviewer=interviewer, in_frame=in_frame,
                        device_hash=device_hash(device) if device else "")
    try:
        # No savepoint of its own: a refused row ends this transaction with AlreadyAnswered.
        response.save()
    except IntegrityError:
        raise AlreadyAnswered({"survey": "您已经填写过本问卷，感谢您的参与！"}) from None
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    through = Answer.choices.through
    through.objects.bulk_create([
        through(answer_id=row.pk, option_id=option_id)
        for row in rows for option_id in getattr(row, "chosen", ())
    ])
    return response


@transaction.atomic
def responses_void(*, survey, by, reason, ids=None, community=None, channel=None, minute=None):
    """Void valid responses of `survey`: the given ids, or a burst (one community, channel
    and minute). One UPDATE; returns how many were voided. Raises ValidationError without a
    reason, PermissionDenied for non-office users."""
    survey = _check_office(by, survey)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因。"})
    qs = Response.objects.visible_to(by).filter(survey=survey, voided=False)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    elif community is not None and channel and minute is not None:
        qs = qs.filter(community=community, channel=channel, created__gte=minute,
                       created__lt=minute + datetime.timedelta(minutes=1))
    else:
        raise ValidationError({"ids": "请选择要作废的答卷。"})
    count = Response.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        voided=True, void_reason=reason[:200])
    if count:
        _event(survey, by, SurveyEvent.Action.VOID, f"作废 {count} 份：{reason}")
    return count


def response_bursts(*, survey, user, threshold=BURST_PER_MINUTE):
    """Minutes in which one community and channel sent `threshold` or more valid responses
    (possible ballot stuffing), busiest first. One grouped query."""
    return list(
        Response.objects.visible_to(user).filter(survey=survey, voided=False)
        .annotate(minute=TruncMinute("created"))
        .values("community", "community__name", "channel", "minute")
        .annotate(n=Count("pk")).filter(n__gte=threshold).order_by("-n", "-minute")[:100]
    )


MAX_QUOTA = 100000


@transaction.atomic
def quotas_set(*, survey, by, targets):
    """Set the quota of each community in {community (Unit or id): target}; 0 removes it.
    Refuses communities outside the survey's region and targets that are not whole numbers
    from 0 to 100,000 (ValidationError naming the community). About four queries."""
    survey = _check_office(by, survey)
    ids = {getattr(c, "pk", c): t for c, t in targets.items()}
    valid = dict(Unit.objects.filter(pk__in=[i for i in ids if isinstance(i, int)],
                                     path__startswith=survey.region.path,
                                     kind=Unit.Kind.COMMUNITY).values_list("pk", "name"))
    for community_id, target in ids.items():
        if community_id not in valid:
            raise ValidationError({"community": f"社区（编号 {community_id}）不在本次调查范围内。"})
        if isinstance(target, bool) or not isinstance(target, int) \
                or not 0 <= target <= MAX_QUOTA:
            raise ValidationError({"target": f"“{valid[community_id]}”的配额应为 0 到 "
                                             f"{MAX_QUOTA} 之间的整数。"})
    existing = {q.community_id: q for q in survey.quotas.filter(community_id__in=list(ids))}
    removed = [i for i, t in ids.items() if not t and i in existing]
    changed = [existing[i] for i, t in ids.items() if t and i in existing]
    for quota in changed:
        quota.target = ids[quota.community_id]
    Quota.objects.filter(survey=survey, community_id__in=removed).delete()
    Quota.objects.bulk_update(changed, ["target"])
    Quota.objects.bulk_create([Quota(survey=survey, community_id=i, target=t)
                               for i, t in ids.items() if t and i not in existing])
    if ids:
        _event(survey, by, SurveyEvent.Action.QUOTAS, f"设置 {len(ids)} 个社区的配额")
    return len(ids)


def quotas_set_all(*, survey, by, target, street=None, only_empty=False):
    """The same quota for every active community of the survey (or of one street): "每个社区
    20 户". `only_empty` keeps the quotas already set. Returns how many were set."""
    survey = _check_office(by, survey)
    communities = Unit.objects.filter(path__startswith=survey.region.path,
                                      kind=Unit.Kind.COMMUNITY, is_active=True)
    if street is not None:
        if street.kind != Unit.Kind.STREET or not street.path.startswith(survey.region.path):
            raise ValidationError({"street": "请选择本次调查范围内的街道。"})
        communities = communities.filter(path__startswith=street.path)
    ids = list(communities.values_list("pk", flat=True))
    if only_empty:
        taken = set(survey.quotas.values_list("community_id", flat=True))
        ids = [i for i in ids if i not in taken]
    return quotas_set(survey=survey, by=by, targets=dict.fromkeys(ids, target))
