import hashlib
import io
import logging
import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from accounts.clients import client_address
from accounts.confirm import confirmation_page
from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, ScopedListView, may_write
from accounts.workflow import TransitionError
from jobs.models import Job
from jobs.services import job_start

from . import editing, selectors, services
from .filters import SurveyFilterSet
from .forms import QuestionForm, SurveyForm, VoidForm
from .models import INDICATORS, WORKFLOW, Indicator, Question, Response, Survey

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "survey_device"
STAFF_ENTRY_ROLES = {Role.OFFICE, Role.INSPECTOR}


def _visible_survey(request, pk):
    return get_object_or_404(Survey.objects.visible_to(request.user).select_related("region"),
                             pk=pk)


def _office_survey(request, pk):
    survey = _visible_survey(request, pk)
    if not may_write(request.user, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以管理问卷。")
    return survey


def _communities(survey):
    return Unit.objects.filter(path__startswith=survey.region.path,
                               kind=Unit.Kind.COMMUNITY, is_active=True).select_related("parent")


def _questions(survey):
    return survey.questions.select_related("section").prefetch_related("options")


def _answers_from_post(survey, post):
    """{question_id: value} from a form post (field q<id>; multiple choice as a list)."""
    raw = {}
    for q in services.questionnaire(survey):
        key = f"q{q.pk}"
        if q.kind == Question.Kind.MULTIPLE:
            values = [v for v in post.getlist(key) if v]
            if values:
                raw[q.pk] = values
        elif post.get(key, "").strip():
            raw[q.pk] = post.get(key).strip()
    return raw


class SurveyListView(ScopedListView):
    model = Survey
    filterset_class = SurveyFilterSet
    template_name = "surveys/survey_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region").with_response_counts()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = may_write(self.request.user, {Role.OFFICE})
        return ctx


class SurveyFormMixin(RoleRequiredMixin):
    model = Survey
    form_class = SurveyForm
    template_name = "surveys/survey_form.html"
    allowed_roles = {Role.OFFICE}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400  # the form again, with a Chinese message per field
        return response


class SurveyCreateView(SurveyFormMixin, CreateView):
    def form_valid(self, form):
        form.instance.created_by = self.request.user
        messages.success(self.request, "问卷已创建，请添加题目。")
        return super().form_valid(form)


class SurveyUpdateView(SurveyFormMixin, UpdateView):
    def get_queryset(self):
        return Survey.objects.visible_to(self.request.user)


class SurveyDetailView(RoleRequiredMixin, DetailView):
    """The office's workbench for one survey: questions, quotas with progress, links and QR
    codes per community, publishing and copying."""

    template_name = "surveys/survey_detail.html"

    def get_queryset(self):
        return Survey.objects.visible_to(self.request.user).select_related("region",
                                                                           "copied_from")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        survey = self.object
        user = self.request.user
        ctx["questions"] = _questions(survey)
        ctx["can_manage"] = may_write(user, {Role.OFFICE})
        ctx["actions"] = WORKFLOW.available(survey, user)
        ctx["can_enter"] = may_write(user, STAFF_ENTRY_ROLES)
        path = selectors.result_scope_path(user) or ""
        counts = dict(Response.objects.filter(survey=survey, voided=False,
                                              community__path__startswith=path)
                      .values("community").annotate(n=Count("pk"))
                      .values_list("community", "n"))
        quotas = dict(survey.quotas.values_list("community_id", "target"))
        rows = []
        for community in _communities(survey).filter(path__startswith=path):
            target = quotas.get(community.pk)
            done = counts.get(community.pk, 0)
            rows.append({"community": community, "target": target, "done": done,
                         "percent": min(100, round(100 * done / target)) if target else None,
                         "public_path": survey.public_path(community)})
        ctx["community_rows"] = rows
        ctx["public_url"] = self.request.build_absolute_uri(survey.public_path())
        ctx["today"] = timezone.localdate()
        return ctx


@require_POST
def survey_question_add(request, pk):
    survey = _office_survey(request, pk)
    form = QuestionForm(request.POST, survey=survey)
    if form.is_valid():
        data = form.cleaned_data
        try:
            editing.question_add(survey=survey, by=request.user, text=data["text"],
                                  kind=data["kind"], required=data["required"],
                                  indicator=data["indicator"], screening=data["screening"],
                                  section=data["section"], options=form.option_specs())
            messages.success(request, "题目已添加。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}"
                                         for f, e in form.errors.items()))
    return redirect(survey)


@require_POST
def survey_status(request, pk, status):
    survey = _office_survey(request, pk)
    try:
        services.survey_set_status(survey=survey, by=request.user, status=status)
        messages.success(request, "问卷状态已更新。")
    except TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(survey)


@require_POST
def survey_copy(request, pk):
    survey = _office_survey(request, pk)
    kind = request.POST.get("round_kind") or survey.round_kind
    new = services.survey_copy(survey=survey, by=request.user,
                               round_kind=kind if kind in Survey.RoundKind.values else None)
    messages.success(request, f"已复制为第 {new.version} 版（草稿），原问卷的答卷不受影响。")
    return redirect(new)


def _quota_errors_page(request, survey, errors, status=400):
    return render(request, "surveys/quotas.html", _quota_context(request, survey, errors),
                  status=status)


def _quota_context(request, survey, errors=None):
    progress = selectors.quota_progress(survey=survey, user=request.user)
    streets = {}
    for row in progress["rows"]:
        streets.setdefault((row["street"], row["street_name"]), []).append(row)
    return {"survey": survey, "totals": progress["totals"], "errors": errors or [],
            "streets": [{"id": k[0], "name": k[1], "rows": v} for k, v in streets.items()],
            "can_manage": may_write(request.user, {Role.OFFICE}),
            "values": request.POST if request.method == "POST" else {}}


def survey_quotas(request, pk):
    """Quotas per community with progress bars (GET, anybody who sees the survey, rows of
    their scope); the office sets them one by one or "每个社区 20 户" at once (POST)."""
    survey = _visible_survey(request, pk)
    if request.method != "POST":
        return render(request, "surveys/quotas.html", _quota_context(request, survey))
    if not may_write(request.user, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以设置配额。")
    post = request.POST
    try:
        if "all" in post:
            value = post.get("all", "").strip()
            if not value.isdigit() or not 1 <= int(value) <= services.MAX_QUOTA:
                raise ValidationError({"all": "每个社区的户数应为 1 到 100000 之间的整数。"})
            street = None
            if post.get("street"):
                street = Unit.objects.filter(pk=post["street"] if post["street"].isdigit()
                                             else 0).first()
                if street is None:
                    raise ValidationError({"street": "请选择本次调查范围内的街道。"})
            count = services.quotas_set_all(survey=survey, by=request.user, target=int(value),
                                            street=street,
                                            only_empty=post.get("only_empty") == "on")
            messages.success(request, f"已为 {count} 个社区设置配额：每个社区 {value} 户。")
        else:
            names = dict(_communities(survey).values_list("pk", "name"))
            targets = {}
            for community_id, name in names.items():
                value = post.get(f"quota_{community_id}", "").strip()
                if value == "":
                    continue
                if not value.isdigit() or int(value) > services.MAX_QUOTA:
                    raise ValidationError({f"quota_{community_id}":
                                           f"“{name}”的配额应为 0 到 100000 之间的整数。"})
                targets[community_id] = int(value)
            services.quotas_set(survey=survey, by=request.user, targets=targets)
            messages.success(request, "样本配额已保存。")
    except ValidationError as exc:
        return _quota_errors_page(request, survey, exc.messages)
    return redirect("surveys:quotas", pk=survey.pk)


def survey_export(request, pk, part):
    """Starts the Excel export of one part of a survey (配额进度, 各区域指标, 原始答卷) for what
    the user may see, built by the worker; opens the job's progress page."""
    survey = _visible_survey(request, pk)
    job = job_start(kind=Job.Kind.SURVEY_EXPORT, by=request.user,
                    params={"survey": survey.pk, "part": part})
    messages.info(request, "正在生成 Excel，完成后点击下载。")
    return redirect(job)


def survey_qr(request, pk, fmt):
    """The QR code of the public link (of the survey, or of one community with ?community=)
    as PNG or SVG, for printing on posters and door cards."""
    survey = _visible_survey(request, pk)
    community = None
    if request.GET.get("community"):
        community = get_object_or_404(_communities(survey), pk=request.GET["community"])
    url = request.build_absolute_uri(survey.public_path(community))
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    name = f"survey-{survey.pk}" + (f"-{community.pk}" if community else "")
    if fmt == "svg":
        qr.save(out, kind="svg", scale=8, border=2, title=survey.title)
        content_type = "image/svg+xml"
    else:
        qr.save(out, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return response


class SurveyResultsView(RoleRequiredMixin, TemplateView):
    template_name = "surveys/survey_results.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        survey = _visible_survey(self.request, kwargs["pk"])
        results = selectors.survey_results(survey=survey, user=self.request.user)
        ctx.update(survey=survey, results=results,
                   indicators=[(i, Indicator(i).label) for i in INDICATORS],
                   chart_data={
                       "labels": {i: Indicator(i).label for i in INDICATORS},
                       "rates": results["rates"], "targets": results["targets"],
                       "communities": [{"name": r["name"], "rates": r["rates"]}
                                       for r in results["areas"]["communities"]],
                       "trend": results["trend"],
                   })
        return ctx


class ResponseListView(RoleRequiredMixin, TemplateView):
    """Recent responses and suspicious bursts, where the office voids stuffed ballots."""

    template_name = "surveys/response_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        survey = _visible_survey(self.request, kwargs["pk"])
        ctx["survey"] = survey
        ctx["responses"] = Response.objects.visible_to(self.request.user).filter(
            survey=survey).select_related("community", "interviewer")[:200]
        ctx["bursts"] = services.response_bursts(survey=survey, user=self.request.user)
        ctx["can_manage"] = may_write(self.request.user, {Role.OFFICE})
        ctx["void_form"] = VoidForm()
        return ctx


def _minute(text):
    """The minute a void form names, in local time when it says no zone; None when it is no
    date and time (the service then asks for one)."""
    try:
        minute = parse_datetime(text.strip())
    except ValueError:
        return None
    if minute is not None and timezone.is_naive(minute):
        minute = timezone.make_aware(minute)
    return minute


@require_POST
def survey_void(request, pk):
    survey = _office_survey(request, pk)
    args = {"ids": [int(i) for i in request.POST.getlist("ids") if i.isdigit()] or None}
    if request.POST.get("minute"):
        community = request.POST.get("community", "")
        args = {"community": Unit.objects.filter(pk=community).first()
                if community.isascii() and community.isdigit() else None,
                "channel": request.POST.get("channel"),
                "minute": _minute(request.POST["minute"])}
    reason = request.POST.get("reason", "").strip()
    # Otherwise the service refuses at once.
    if reason and (args.get("ids") or args.get("minute") and args.get("community")):
        what = (f"作废选中的 {len(args['ids'])} 份答卷" if args.get("ids") else
                f"作废 {timezone.localtime(args['minute']):%Y-%m-%d %H:%M} 这一分钟内"
                f"{getattr(args['community'], 'name', '')}的全部答卷")
        page = confirmation_page(
            request, title="确认作废答卷", what=f"{what}（原因：{reason[:50]}）",
            consequence="作废的答卷不再计入调查结果，但保留在答卷列表中备查。",
            button="确认作废", back=reverse("surveys:responses", args=[survey.pk]), danger=True)
        if page is not None:
            return page
    try:
        count = services.responses_void(survey=survey, by=request.user,
                                        reason=request.POST.get("reason", ""), **args)
        messages.success(request, f"已作废 {count} 份答卷。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("surveys:responses", pk=survey.pk)


def staff_entry(request, pk):
    """A household, intercept or mock interview entered on the interviewer's phone."""
    survey = _visible_survey(request, pk)
    if not may_write(request.user, STAFF_ENTRY_ROLES):
        raise PermissionDenied("只有创城办工作人员和督查员可以录入入户调查。")
    communities = _communities(survey).filter(path__startswith=request.user.scope_path)
    errors = {}
    if request.method == "POST":
        community = communities.filter(pk=request.POST.get("community") or 0).first()
        try:
            services.response_submit(
                survey=survey, community=community, channel=request.POST.get("channel", ""),
                answers=_answers_from_post(survey, request.POST), interviewer=request.user)
            messages.success(request, f"已保存一份答卷（{community.name}）。可继续录入下一户。")
            return redirect(reverse("surveys:entry", args=[survey.pk])
                            + f"?community={community.pk}&channel={request.POST['channel']}")
        except ValidationError as exc:
            errors = exc.message_dict
    channels = [c for c in Response.Channel.choices if c[0] != Response.Channel.ONLINE]
    selected = request.POST.get("community") or request.GET.get("community") or ""
    quota = None
    if selected.isdigit():
        quota = Response.objects.filter(survey=survey, voided=False, community_id=selected,
                                        community__path__startswith=request.user.scope_path
                                        ).aggregate(done=Count("pk"),
                                                    mine=Count("pk", filter=Q(
                                                        interviewer=request.user)))
        quota["target"] = survey.quotas.filter(community_id=selected).values_list(
            "target", flat=True).first()
        quota["missing"] = max(0, quota["target"] - quota["done"]) if quota["target"] else 0
    return render(request, "surveys/staff_entry.html", {
        "quota": quota,
        "survey": survey, "questions": _questions(survey), "communities": communities,
        "channels": channels, "errors": errors, "values": request.POST,
        "selected_community": request.POST.get("community") or request.GET.get("community"),
        "selected_channel": request.POST.get("channel") or request.GET.get("channel") or "household",
    }, status=400 if errors else 200)


def _client_key(request):
    """A keyed hash of the caller's address, used only as a cache key for the rate limit;
    the address is never written to the database."""
    address = client_address(request)
    return "survey-rate:" + hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _rate_limited(request):
    """Over SURVEY_PUBLIC_RATE_LIMIT answers an hour from one address. When the cache (Redis)
    is down, residents can still answer: the limit is skipped with a logged warning (the one
    answer per device rule still holds)."""
    limit = getattr(settings, "SURVEY_PUBLIC_RATE_LIMIT", 30)
    key = _client_key(request)
    try:
        count = _hourly_count(key)
    except Exception:  # noqa: BLE001 - whatever the cache backend raises when it is down
        logger.warning("survey rate limit skipped: the cache is unreachable", exc_info=True)
        return False
    return count > limit


def _hourly_count(key):
    """One more for `key` in the hour from its first use; returns the count. On Redis one
    round trip (SET NX with the hour, then INCR, pipelined), elsewhere add and incr."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        pipe = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.set(full_key, 0, ex=3600, nx=True)
        pipe.incr(full_key)
        return pipe.execute()[1]
    backend.add(key, 0, timeout=3600)
    try:
        return backend.incr(key)
    except ValueError:  # expired between the two calls
        backend.set(key, 1, timeout=3600)
        return 1


@login_not_required
@never_cache
def public_form(request, token, community_id=None):
    """The resident's anonymous form: no login, no IP stored, one answer per device."""
    survey = get_object_or_404(Survey.objects.select_related("region"), public_token=token)
    fixed = None
    if community_id is not None:
        fixed = _community(survey, community_id)
        if fixed is None:
            raise Http404("没有这个社区。")
    today = timezone.localdate()
    # Told at once, before filling anything in: this phone's answer is already counted (the
    # cookie is only read, nothing is stored). A form sent again is refused by the
    # one-per-device constraint below and gets the same page.
    if request.method != "POST" and services.device_answered(
            survey, request.COOKIES.get(DEVICE_COOKIE, "")):
        return _answered(request, survey)
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(18)
    if not survey.accepts_answers(today):
        return _form_page(request, survey, fixed, "surveys/public_closed.html",
                          closed_message=survey.closed_message(today))
    if fixed is not None and services.community_full(survey, fixed):
        return _form_page(request, survey, fixed, "surveys/public_closed.html",
                          closed_message=services.QUOTA_FULL)
    status, errors = 200, {}
    if request.method == "POST":
        if _rate_limited(request):
            status, errors = 429, {"survey": ["提交过于频繁，请稍后再试。"]}
        else:
            community = fixed or _community(survey, request.POST.get("community", ""))
            try:
                services.response_submit(survey=survey, community=community,
                                         answers=_answers_from_post(survey, request.POST),
                                         channel=Response.Channel.ONLINE, device=device,
                                         today=today)
            except services.AlreadyAnswered:
                return _answered(request, survey)
            except ValidationError as exc:
                status, errors = 400, exc.message_dict
            else:
                response = render(request, "surveys/public_thanks.html", {"survey": survey})
                response.set_cookie(DEVICE_COOKIE, device, max_age=3600 * 24 * 365,
                                    httponly=True, samesite="Lax",
                                    secure=request.is_secure())
                return response
    response = _form_page(request, survey, fixed, "surveys/public_form.html", status=status,
                          errors=errors)
    if DEVICE_COOKIE not in request.COOKIES:
        response.set_cookie(DEVICE_COOKIE, device, max_age=3600 * 24 * 365, httponly=True,
                            samesite="Lax", secure=request.is_secure())
    return response


def _community(survey, pk):
    """The active community `pk` (an id or its text) of the survey's region, or None."""
    if not str(pk).isdigit():
        return None
    return Unit.objects.filter(pk=pk, path__startswith=survey.region.path,
                               kind=Unit.Kind.COMMUNITY, is_active=True).first()


def _answered(request, survey):
    return render(request, "surveys/public_answered.html", {"survey": survey},
                  status=400 if request.method == "POST" else 200)


def _form_page(request, survey, fixed, template, *, status=200, errors=None, **extra):
    """The form (or the closed page) with the survey's communities and questions."""
    return render(request, template, {
        "survey": survey, "fixed_community": fixed, "communities": _communities(survey),
        "questions": _questions(survey), "errors": errors or {}, "values": request.POST,
        **extra}, status=status)
