import io
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, may_write
from evidence.views import serve_file
from issues.models import Issue
from issues.services import RELAPSE_WINDOW_DAYS

from . import drill, figures, projection, scoring, services
from .forms import EscalationForm, NegativeListEventForm, RankingWeightsForm, ReportRequestForm
from .models import SUBSCORES, Escalation, EscalationDocument, RankingWeights, Report
from .xlsx import write_ranking

READERS = {Role.OFFICE, Role.LEADER}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    """The period asked for; a bad one falls back to this week with a message."""
    try:
        return figures.period_from_params(request.GET)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return figures.week_period(timezone.localdate())


def _kind(request):
    kind = request.GET.get("kind") or None
    return kind if kind in figures.RANKED_KINDS else None


LABELS = dict(SUBSCORES)


def _issue_links(row, period):
    """Drill-down: each number of the row opens the records behind it, same period and scope
    (`dashboard.drill`); a sub-score opens its denominator's list, which marks the numerator."""
    query = period.query

    def link(column):
        return f"{reverse('dashboard:unit-records', args=[row['id'], column])}?{query}"

    links = {column: link(column) for column in drill.COLUMNS}
    links["subscores"] = {key: f"{links[column]}&rate={key}"
                          for key, column in drill.SUBSCORE_COLUMN.items()}
    return links


class DashboardView(RoleRequiredMixin, TemplateView):
    """The ranking page (综合排名): table, 红黑榜, trend, map of overdue issues."""

    allowed_roles = READERS
    template_name = "dashboard/ranking.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        period, kind = _period(self.request), _kind(self.request)
        data = figures.ranking(user, period, kind=kind)
        rows = data["rows"]
        for row in rows:
            row["links"] = _issue_links(row, period)
            # Each rate says its sum on hover (按期整改率 = 按期销号 1 ÷ 销号 1 = 100.0%), so
            # 100 beside 3 overdue reads as what it is.
            sums = drill.rate_sentences(row, LABELS)
            row["score_cells"] = [(row["scores"][key], row["links"]["subscores"][key],
                                   sums[key]) for key, _label in SUBSCORES]
        red, black = scoring.red_black(rows, data["top_n"])
        watched = {r["id"] for r in red + black}
        query = self.request.GET.copy()
        # A unit's scorecard opens on the same period as the ranking it was clicked in (as
        # the ranking read it: a refused ?period= is not passed on).
        period_query = period.query if any(query.get(k) for k in ("period", "start", "end")) \
            else ""
        ctx.update(
            period=period, compared_note=figures.compared_note(data["compared"]), rows=rows,
            period_query=period_query,
            red=red, black=black, kind=kind, subscore_labels=[label for _key, label in SUBSCORES],
            period_kinds=figures.Period.KINDS, querystring=query.urlencode(),
            trend=figures.trend(
                user, kind=kind, names=watched,
                this_week=rows if period == figures.week_period(timezone.localdate())
                else None),
            overdue_points=figures.overdue_issue_points(user),
            map_tiles=settings.MAP_TILE_URL, can_configure=user.is_office,
            floor=data["weights"].floor(), relapse_days=RELAPSE_WINDOW_DAYS,
        )
        return ctx


class RankingExportView(RoleRequiredMixin, TemplateView):
    allowed_roles = READERS

    def get(self, request, *args, **kwargs):
        period = _period(request)
        data = figures.ranking(request.user, period, kind=_kind(request))
        buffer = io.BytesIO()
        write_ranking(buffer, data)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        name = f"综合排名_{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


class WeightsView(RoleRequiredMixin, FormView):
    """The office sets the weights of the composite index and of the projection."""

    allowed_roles = {Role.OFFICE}
    template_name = "dashboard/weights.html"
    form_class = RankingWeightsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        region = get_object_or_404(Unit, path=self.request.user.scope_path)
        kwargs["instance"] = RankingWeights.objects.filter(region=region).first() \
            or RankingWeights(region=region)
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "权重设置已保存。")
        return redirect("dashboard:ranking")


class ProjectionView(RoleRequiredMixin, FormView):
    """测评得分预估 and the negative-list register (the office records entries)."""

    allowed_roles = READERS
    template_name = "dashboard/projection.html"
    form_class = NegativeListEventForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["projection"] = projection.projection(self.request.user)
        ctx["can_record"] = self.request.user.is_office
        return ctx

    def form_valid(self, form):
        services.negative_event_record(by=self.request.user, **form.cleaned_data)
        messages.success(self.request, "负面清单事项已登记。")
        return redirect("dashboard:projection")


class ReportListView(RoleRequiredMixin, ListView):
    """Archived reports with their download; the office requests new ones."""

    allowed_roles = READERS
    template_name = "dashboard/report_list.html"
    paginate_by = 30

    def get_queryset(self):
        return Report.objects.visible_to(self.request.user).select_related("region", "job")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = ReportRequestForm()
        ctx["can_request"] = self.request.user.is_office
        return ctx

    def post(self, request, *args, **kwargs):
        if request.POST.get("retry"):
            return self._retry(request, request.POST["retry"])
        form = ReportRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择报告类型并正确填写日期。")
            return redirect("dashboard:report-list")
        try:
            report, created = services.report_request(
                kind=form.cleaned_data["kind"], by=request.user,
                start=form.cleaned_data["period_start"], end=form.cleaned_data["period_end"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("dashboard:report-list")
        messages.success(request, f"{report} 已开始生成，完成后会通知您。" if created
                         else f"{report} 已存在。")
        return redirect("dashboard:report-list")

    def _retry(self, request, pk):
        """The office starts again a report whose job failed or made no PDF."""
        if not pk.isdigit():
            raise Http404
        report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
        if services.report_retry(report=report, by=request.user):
            messages.success(request, f"{report} 已重新开始生成，完成后会通知您。")
        else:
            messages.info(request, f"{report} 正在生成或已完成，无需重新生成。")
        return redirect("dashboard:report-list")


class EscalationDocumentView(RoleRequiredMixin, View):
    """A document of an escalation, to those who see the escalation (its unit's staff and
    the region's office and leaders); 404 otherwise."""

    def get(self, request, pk, kind):
        doc = get_object_or_404(EscalationDocument.objects.filter(
            escalation__in=Escalation.objects.visible_to(request.user)), pk=pk)
        if kind not in doc.file_fields:
            raise Http404
        ext = doc.file.name.rsplit(".", 1)[-1]
        base = (doc.original_name or "问责材料").rsplit(".", 1)[0]
        return serve_file(request, doc.file, download_name=f"{base}.{ext}")


class UnitHistoryView(RoleRequiredMixin, FormView):
    """A unit's accountability history: its 通报/约谈/问责 records with their evidence."""

    template_name = "dashboard/unit_history.html"
    form_class = EscalationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.scope_path is not None:
            self.unit = get_object_or_404(Unit.objects.visible_to(request.user),
                                          pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unit"] = self.unit
        ctx["escalations"] = self.unit.escalations.select_related(
            "report", "report__region", "report__job", "created_by").prefetch_related(
            Prefetch("issues", Issue.objects.select_related("category").order_by("pk")),
            "documents")
        ctx["can_record"] = self.request.user.is_office
        ctx["can_read_reports"] = may_write(self.request.user, READERS)
        return ctx

    def form_valid(self, form):
        if not self.request.user.is_office:
            raise PermissionDenied("只有创城办可以登记问责记录。")
        data = form.cleaned_data
        try:
            services.escalation_record(
                by=self.request.user, unit=self.unit, kind=data["kind"],
                decided_on=data["decided_on"], reason=data["reason"], report=data["report"],
                issues=data["issue_numbers"], document=data["document"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        messages.success(self.request, "问责记录已登记。")
        return redirect("dashboard:unit-history", pk=self.unit.pk)


SCREEN_ROTATE_SECONDS = 60
SCREEN_REFRESH_SECONDS = 300


class ScreenView(RoleRequiredMixin, TemplateView):
    """The leader's big screen (大屏): this week's ranking, 红黑榜, counts, trend and map in
    large type, full screen, reloading itself; a city's screen turns to the next district
    every minute (`?district=`), a district's refreshes every five."""

    allowed_roles = READERS
    template_name = "dashboard/screen.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        districts = list(Unit.objects.visible_to(user).filter(
            kind=Unit.Kind.DISTRICT, is_active=True).order_by("path").only("pk", "name", "path"))
        district = None
        if self.request.GET.get("district"):
            district = next((d for d in districts
                             if str(d.pk) == self.request.GET["district"]), None)
            if district is None:
                raise Http404("没有这个区。")
        elif len(districts) > 1:
            district = districts[0]
        period = figures.week_period(timezone.localdate())
        data = figures.ranking(user, period)
        rows = [r for r in data["rows"] if district is None or r["path"].startswith(
            district.path)]
        red, black = scoring.red_black(rows, min(data["top_n"], 5))
        totals = {key: sum(r[key] for r in rows) for key in ("received", "closed", "overdue",
                                                              "relapsed")}
        totals["ranked"] = sum(1 for r in rows if r["ranked"])
        next_url = ""
        if district is not None and len(districts) > 1:
            following = districts[(districts.index(district) + 1) % len(districts)]
            next_url = f"{reverse('dashboard:screen')}?district={following.pk}"
        ctx.update(
            period=period, district=district, districts=districts, red=red, black=black,
            region=district or (districts[0] if len(districts) == 1 else None),
            totals=totals, rows=rows, next_url=next_url,
            seconds=SCREEN_ROTATE_SECONDS if next_url else SCREEN_REFRESH_SECONDS,
            trend=figures.trend(user, names={r["id"] for r in red + black},
                                this_week=data["rows"]),
            overdue_points=figures.overdue_issue_points(
                user, region=district) if district else figures.overdue_issue_points(user),
            map_tiles=settings.MAP_TILE_URL, now=timezone.now(),
        )
        return ctx


class UnitScorecardView(RoleRequiredMixin, TemplateView):
    """A unit's scorecard (单位成绩单): this period's sub-scores and rank, its 8-week trend,
    open and overdue issues, ledger 完成率; another district's unit answers 404."""

    allowed_roles = READERS
    template_name = "dashboard/unit_scorecard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        unit = get_object_or_404(Unit.objects.visible_to(user), pk=kwargs["pk"])
        period = _period(self.request)
        data = figures.ranking(user, period)
        row = next((r for r in data["rows"] if r["id"] == unit.pk), None)
        now = timezone.now()
        issues = (Issue.objects.visible_to(user).filter(responsible_unit__path__startswith=unit.path)
                  .open().for_list(now).order_by("deadline", "pk"))
        ctx.update(
            unit=unit, period=period, compared=data["compared"], row=row,
            ranked=sum(1 for r in data["rows"] if r["ranked"]),
            subscores=[(label, row["scores"][key] if row else None,
                        data["weights"].weights().get(key)) for key, label in SUBSCORES],
            trend=figures.trend(user, names={unit.pk}, this_week=data["rows"]
                                if period == figures.week_period(timezone.localdate())
                                else None) if row else None,
            open_issues=issues[:20], open_count=issues.count(),
            overdue_count=issues.filter(is_overdue=True).count(),
            links={"overdue": f"{reverse('issues:issue-list')}?"
                               f"{urlencode({'unit': unit.pk, 'overdue': 'true'})}"},
        )
        return ctx


class UnitRecordsView(RoleRequiredMixin, TemplateView):
    """穿透: the records behind one number of a unit's ranking row, for the same period; the
    list's length is the number on the ranking (`dashboard.drill`). `?format=xlsx` exports
    the list."""

    allowed_roles = READERS
    template_name = "dashboard/unit_records.html"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        column = kwargs["column"]
        if column not in drill.COLUMNS:
            raise Http404("没有这一列。")
        unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=kwargs["pk"])
        try:
            period = figures.period_from_params(request.GET)
        except ValidationError as exc:
            return self.render_to_response(
                {"errors": exc.message_dict, "unit": unit, "column": column,
                 "column_label": drill.COLUMNS[column]}, status=400)
        now = timezone.now()
        figures_row, rows = drill.figures_and_records(unit, column, period, now=now)
        if request.GET.get("format") == "xlsx":
            return self._xlsx(unit, column, period, rows)
        page = Paginator(rows, self.paginate_by).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        # Opened from a rate (?rate=satisfaction): the sum behind it, over this list.
        rate = request.GET.get("rate")
        rate_text = drill.rate_sentences(figures_row, LABELS)[rate] \
            if drill.SUBSCORE_COLUMN.get(rate) == column else None
        return self.render_to_response(self.get_context_data(
            unit=unit, column=column, column_label=drill.COLUMNS[column], period=period,
            figure=figures_row[column], rate_text=rate_text, count=len(rows),
            page_obj=page, rows=page.object_list,
            querystring=query.urlencode(), past=figures.is_snapshotted(period, now),
            columns=[(key, label) for key, label in drill.COLUMNS.items()]))

    def _xlsx(self, unit, column, period, rows):
        from jobs.excel import xlsx_workbook

        buffer = io.BytesIO()
        book = xlsx_workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(drill.COLUMNS[column][:31])
        sheet.write_row(0, 0, [f"{unit.name} · {drill.COLUMNS[column]} · {period.label}"])
        sheet.write_row(1, 0, drill.HEADERS)
        for n, r in enumerate(rows, start=2):
            sheet.write_row(n, 0, [r["number"], r["title"], r["unit"], r["when"], r["note"]])
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 1, 40)
        sheet.set_column(2, 4, 22)
        book.close()
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        name = f"{unit.name}_{drill.COLUMNS[column]}_{period.first_day:%Y%m%d}-" \
               f"{period.last_day:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
