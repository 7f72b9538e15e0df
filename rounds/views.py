"""Pages of the rounds (模拟测评): the office plans, draws, swaps, splits among teams and reads
the scores; an inspector walks their team's route with the usual inspection form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.models import Role
from accounts.scoping import RoleRequiredMixin, ScopedListView, may_write
from issues.models import Issue
from jobs.pdf import PDF, PdfUnavailable
from jobs.views import XLSX
from points.models import Point
from points.views import InspectionCreateView

from . import exports
from .forms import RoundForm, SwapForm, TeamForm
from .models import Round, RoundSample, RoundTeam
from .selectors import findings_summary, round_list_scores, round_scores
from .services import (
    MAX_SEED,
    current_framework,
    default_rules,
    inspection_saved_message,
    round_draw,
    round_save,
    sample_inspect,
    sample_swap,
    swap_candidates,
    team_members_choices,
    team_save,
    teams_assign,
)

OFFICE = {Role.OFFICE}
READERS = {Role.OFFICE, Role.LEADER, Role.INSPECTOR}


def _apply_errors(form, exc):
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class RoundMixin(RoleRequiredMixin):
    """Loads `self.round` from the URL: another region's round → 404."""

    allowed_roles = READERS

    def dispatch(self, request, *args, **kwargs):
        self.round = None
        if request.user.is_authenticated and request.user.scope_path is not None and (
                self.allowed_roles is None or may_write(request.user, self.allowed_roles)):
            self.round = Round.objects.visible_to(request.user).fetch(
                kwargs["pk"], related=("region", "framework"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["round"] = self.round
        ctx["can_edit"] = may_write(self.request.user, OFFICE)
        return ctx


class RoundListView(ScopedListView):
    model = Round
    allowed_roles = READERS
    template_name = "rounds/round_list.html"
    paginate_by = 30

    def get_queryset(self):
        return super().get_queryset().select_related("region", "framework").annotate(
            sample_count=Count("samples", distinct=True), team_count=Count("teams", distinct=True)
        ).order_by("-starts", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rounds = list(ctx["object_list"])
        scores = round_list_scores(rounds)
        for r in rounds:
            r.field_score, r.scored = scores.get(r.pk, (None, 0))
        ctx["rounds"] = rounds
        ctx["can_edit"] = may_write(self.request.user, OFFICE)
        return ctx


class RoundFormView(RoleRequiredMixin, FormView):
    allowed_roles = OFFICE
    form_class = RoundForm
    template_name = "rounds/round_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated and request.user.scope_path:
            self.object = Round.objects.visible_to(request.user).fetch(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        if self.object is None:
            framework = current_framework()
            return {"framework": framework.pk if framework else None,
                    "region": self.request.user.unit.region_path and _own_region(self.request.user)}
        return {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def form_valid(self, form):
        try:
            round = round_save(round=form.save(commit=False), by=self.request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存测评轮次“{round.name}”。")
        return redirect("rounds:round-draw" if not round.is_drawn else "rounds:round-detail",
                        round.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.object}


def _own_region(user):
    from accounts.models import Unit

    return Unit.objects.visible_to(user).filter(kind__in=Unit.REGION_KINDS).order_by(
        "path").values_list("pk", flat=True).first()


class RoundDrawView(RoundMixin, TemplateView):
    """抽取点位: per category fixed points in or not and the random share; the seed shown."""

    allowed_roles = OFFICE
    template_name = "rounds/round_draw.html"

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rules = default_rules(self.round)
        counts = dict(Point.objects.filter(
            is_active=True, territorial_unit__path__startswith=self.round.region.path,
        ).values_list("category_id").annotate(n=Count("pk")))
        fixed = dict(Point.objects.filter(
            is_active=True, kind=Point.Kind.FIXED,
            territorial_unit__path__startswith=self.round.region.path,
        ).values_list("category_id").annotate(n=Count("pk")))
        posted = posted or {}
        ctx["rows"] = [
            {"category": c, "use": posted.get(f"use_{c.pk}", True),
             "fixed": posted.get(f"fixed_{c.pk}", inc),
             "share": posted.get(f"share_{c.pk}", share),
             "points": counts.get(c.pk, 0), "fixed_points": fixed.get(c.pk, 0)}
            for c, (inc, share) in rules.items()]
        ctx["errors"] = errors or {}
        ctx["seed_value"] = posted.get("seed", "")
        ctx["max_seed"] = MAX_SEED - 1
        ctx["inspected"] = self.round.samples.filter(inspection__isnull=False).exists()
        return ctx

    def post(self, request, pk):
        errors, rules, posted = {}, {}, {}
        for category in default_rules(self.round):
            use = request.POST.get(f"use_{category.pk}") == "on"
            fixed = request.POST.get(f"fixed_{category.pk}") == "on"
            raw = (request.POST.get(f"share_{category.pk}") or "").strip()
            posted.update({f"use_{category.pk}": use, f"fixed_{category.pk}": fixed,
                           f"share_{category.pk}": raw})
            if not use:
                continue
            try:
                share = int(raw)
            except ValueError:
                errors[f"share_{category.pk}"] = f"“{category.name}”的随机抽取比例须为0到100之间的整数。"
                continue
            if not 0 <= share <= 100:
                errors[f"share_{category.pk}"] = f"“{category.name}”的随机抽取比例须在0到100之间。"
                continue
            rules[category.pk] = (fixed, share)
        raw_seed = (request.POST.get("seed") or "").strip()
        posted["seed"] = raw_seed
        seed = None
        if raw_seed:
            try:
                seed = int(raw_seed)
            except ValueError:
                errors["seed"] = "随机种子须为整数；不填则自动生成。"
        if not errors:
            if not rules:
                errors["rules"] = "请至少为一个点位类别设置抽样规则。"
            else:
                try:
                    round = round_draw(round=self.round, rules=rules, by=request.user, seed=seed)
                except ValidationError as exc:
                    errors = {k: "；".join(v) for k, v in exc.message_dict.items()}
                else:
                    messages.success(request, f"已抽取 {round.samples.count()} 个点位，"
                                              f"随机种子 {round.seed}（用同一种子重抽结果相同）。")
                    return redirect("rounds:round-sample", round.pk)
        ctx = self.get_context_data(errors=errors, posted=posted)
        return self.render_to_response(ctx, status=400)


class RoundSampleView(RoundMixin, TemplateView):
    """The drawn sample: each point, fixed or random, its area, team, stop; swaps."""

    template_name = "rounds/round_sample.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        samples = RoundSample.objects.visible_to(self.request.user).filter(
            round=self.round).select_related(
            "point", "category", "district", "street", "team", "inspection")
        ctx["samples"] = samples
        ctx["swaps"] = self.round.swaps.select_related("old_point", "new_point", "by")
        ctx["per_category"] = list(self.round.samples.values(
            "category__name").annotate(n=Count("pk"), fixed=Count("pk", filter=_fixed_q()))
            .order_by("category__order"))
        return ctx


def _fixed_q():
    from django.db.models import Q

    return Q(is_fixed=True)


class SampleSwapView(RoleRequiredMixin, TemplateView):
    """Swap a drawn point (reason required)."""

    allowed_roles = OFFICE
    template_name = "rounds/sample_swap.html"

    def dispatch(self, request, *args, **kwargs):
        self.sample = None
        if request.user.is_authenticated and request.user.scope_path is not None and may_write(
                request.user, OFFICE):
            self.sample = RoundSample.objects.get_visible(
                request.user, kwargs["sample"],
                related=("round__region", "point", "category", "district", "street"))
            if self.sample.round_id != kwargs["pk"]:
                from django.http import Http404
                raise Http404("该测评点位不存在或不在您的范围内。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(sample=self.sample, round=self.sample.round, form=form or SwapForm(),
                   candidates=swap_candidates(self.sample).select_related(
                       "territorial_unit").order_by("name")[:200])
        return ctx

    def post(self, request, pk, sample):
        form = SwapForm(request.POST)
        if form.is_valid():
            new_point = None
            if form.cleaned_data["new_point"]:
                new_point = Point.objects.visible_to(request.user).filter(
                    pk=form.cleaned_data["new_point"]).first()
                if new_point is None:
                    form.add_error("new_point", "替换点位须为同类别、未被抽中的在用点位。")
            if form.is_valid():
                try:
                    swap = sample_swap(sample=self.sample, reason=form.cleaned_data["reason"],
                                       by=request.user, new_point=new_point)
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, f"已将“{swap.old_point}”替换为“{swap.new_point}”。")
                    return redirect("rounds:round-sample", pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TeamsView(RoundMixin, TemplateView):
    """督查组: the teams, a form to add one, and 按片区分配 (split the sample, order routes)."""

    template_name = "rounds/round_teams.html"

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        teams = RoundTeam.objects.visible_to(self.request.user).filter(
            round=self.round).prefetch_related("members").annotate(
            stops=Count("samples", distinct=True),
            done=Count("samples", filter=_done_q(), distinct=True))
        ctx["teams"] = teams
        ctx["unassigned"] = self.round.samples.filter(team__isnull=True).count()
        if ctx["can_edit"]:
            ctx["form"] = form or TeamForm(members=team_members_choices(self.round).select_related(
                "unit"), initial={"name": _team_name(teams.count() + 1)})
        return ctx

    def post(self, request, pk):
        if not may_write(request.user, OFFICE):
            from django.core.exceptions import PermissionDenied
            raise PermissionDenied("只有创城办工作人员可以安排督查组。")
        if request.POST.get("action") == "assign":
            try:
                teams_assign(round=self.round, by=request.user)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
                ctx = self.get_context_data()
                ctx["assign_error"] = "；".join(exc.messages)
                return self.render_to_response(ctx, status=400)
            messages.success(request, "已按片区把点位分给各组，并排好了每组的路线。")
            return redirect("rounds:round-teams", pk)
        form = TeamForm(request.POST, members=team_members_choices(self.round).select_related(
            "unit"), instance=RoundTeam(round=self.round))
        if form.is_valid():
            try:
                team = team_save(team=form.save(commit=False),
                                 members=list(form.cleaned_data["members"]), by=request.user)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"已添加督查组“{team.name}”。")
                return redirect("rounds:round-teams", pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _team_name(number):
    """The default name of the next team, as the office writes it: 第一组 … 第十组, then 第11组."""
    return f"第{'一二三四五六七八九十'[number - 1]}组" if number <= 10 else f"第{number}组"


def _done_q():
    from django.db.models import Q

    return Q(samples__inspection__isnull=False)


class RouteView(RoundMixin, TemplateView):
    """A team's route: the stops in order (printable; on the phone each opens the form)."""

    template_name = "rounds/route.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        team = get_object_or_404(RoundTeam.objects.visible_to(self.request.user).filter(
            round=self.round).prefetch_related("members"), pk=self.kwargs["team"])
        ctx["team"] = team
        ctx["stops"] = team.samples.select_related(
            "point__territorial_unit", "category", "inspection").order_by("route_order", "pk")
        ctx["print"] = self.request.GET.get("print") == "1"
        ctx["may_inspect"] = may_write(self.request.user, {Role.OFFICE}) or team.members.filter(
            pk=self.request.user.pk).exists()
        return ctx


class MyRoundsView(RoleRequiredMixin, TemplateView):
    """An inspector's own routes: the teams they walk in, newest round first."""

    allowed_roles = {Role.INSPECTOR, Role.OFFICE}
    template_name = "rounds/my_routes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["teams"] = RoundTeam.objects.filter(members=self.request.user).filter(
            round__in=Round.objects.visible_to(self.request.user)).select_related(
            "round").annotate(stops=Count("samples", distinct=True),
                              done=Count("samples", filter=_done_q(), distinct=True)
                              ).order_by("-round__starts", "name")
        return ctx


class SampleInspectView(InspectionCreateView):
    """The usual inspection form for a sampled point; saved as the round's inspection."""

    allowed_roles = {Role.OFFICE, Role.INSPECTOR}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.scope_path is not None:
            self.sample = RoundSample.objects.get_visible(
                request.user, kwargs["sample"], related=("round", "point__category", "team"))
            if self.sample.round_id != kwargs["pk"]:
                from django.http import Http404
                raise Http404("该测评点位不存在或不在您的范围内。")
            kwargs = {"pk": self.sample.point_id}
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # On a phone with IndexedDB the field queue keeps the checklist as a draft and sends
        # it to the round's inspection API; without it the form posts here.
        ctx.update(round_sample=self.sample, back_url=self.done_url(), result_url=self.done_url(),
                   api_url=reverse("round-sample-inspect", kwargs={
                       "pk": self.sample.round_id, "sample": self.sample.pk}),
                   flash="{message}",
                   draft_label=f"测评：{self.sample.point.name}（{self.sample.round.name}）")
        return ctx

    def get(self, request, *args, **kwargs):
        if self.sample.inspection_id:
            messages.info(request, "该点位本轮已测评。")
            return redirect("points:inspection-detail", self.sample.inspection_id)
        return super().get(request, *args, **kwargs)

    def post(self, request, pk):
        results = self.checklist_results(request)
        try:
            inspection = sample_inspect(sample=self.sample, by=request.user, results=results,
                                        notes=request.POST.get("notes", ""))
        except ValidationError as exc:
            ctx = self.get_context_data(errors=exc.message_dict.get("results") or exc.messages,
                                        notes=request.POST.get("notes", ""))
            return self.render_to_response(ctx, status=400)
        messages.success(request, inspection_saved_message(inspection,
                                                           len(inspection.filed_issues)))
        return redirect(self.done_url())

    def done_url(self):
        if self.sample.team_id:
            return reverse("rounds:route", args=[self.sample.round_id, self.sample.team_id])
        return reverse("rounds:round-detail", args=[self.sample.round_id])


class RoundDetailView(RoundMixin, TemplateView):
    """The round page: its plan, the field score per category, district, street and unit
    with the spread, the previous rounds, and the findings followed to closure."""

    template_name = "rounds/round_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["scores"] = round_scores(self.round)
        ctx["findings"] = findings_summary(self.round)
        ctx["finding_issues"] = Issue.objects.visible_to(self.request.user).filter(
            round_finding__round=self.round).select_related(
            "point", "category", "responsible_unit").order_by("status", "-pk")[:100]
        ctx["rules"] = self.round.rules.select_related("category")
        ctx["my_teams"] = self.round.teams.filter(members=self.request.user)
        ctx["sample_count"] = self.round.samples.count()
        return ctx



class RoundFileView(RoundMixin, View):
    """A round's file for everyone who sees the round (another region's → 404, a role that
    may not open the round's pages → 403). `build(round, user)` makes the bytes."""

    filename = ""
    content_type = XLSX

    def build(self, round, user):
        raise NotImplementedError

    def get(self, request, pk):
        response = HttpResponse(self.build(self.round, request.user),
                                content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{self.round.name}{self.filename}")
        return response


class SampleExportView(RoundFileView):
    """抽中点位与路线 as Excel: each team's stops in route order, swaps and state."""

    filename = "抽中点位与路线.xlsx"

    def build(self, round, user):
        return exports.sample_export_file(round, user)


class ScoresExportView(RoundFileView):
    """The scores per category, area and unit, the spread and the comparison as Excel."""

    filename = "实地考察得分.xlsx"

    def build(self, round, user):
        return exports.scores_export_file(round)


class ScoresPdfView(RoundFileView):
    """The same scores as a printable PDF (503 with the reason when the server lacks the
    Chinese fonts)."""

    filename = "实地考察得分.pdf"
    content_type = PDF

    def get(self, request, pk):
        try:
            return super().get(request, pk)
        except PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")

    def build(self, round, user):
        return exports.scores_pdf(round)


class FindingsExportView(RoundFileView):
    """发现的问题 as Excel: each failed item, its deduction and the issue it became."""

    filename = "发现的问题.xlsx"

    def build(self, round, user):
        return exports.findings_export_file(round, user)
