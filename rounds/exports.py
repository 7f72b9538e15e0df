"""A round's files for the office: the sample and routes, the scores (Excel and PDF) and the
findings list. Each is built from what the caller may see (the same scoping as the round's
pages) and answered directly: a round holds at most a few thousand points, a workbook of
that size is written in well under a second, and the score PDF has a few short tables."""

import io

from django.db.models import F
from django.utils import timezone

from accounts.models import Role
from issues.models import Issue
from jobs.excel import Column, ReportSheet, xlsx_workbook
from jobs.pdf import render_pdf
from points.models import CheckItem, InspectionResult

from .models import RoundSample
from .selectors import findings_summary, relapsed_pairs, round_scores

NO_SCORE = "尚无检查，暂无得分"


def _book(build):
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer, {"in_memory": True})
    build(book)
    book.close()
    return buffer.getvalue()


def _rate(value):
    return round(value, 1) if value is not None else None


# --- The sample and routes ---------------------------------------------------------------

SAMPLE_COLUMNS = [Column("序号", 6, "number"), Column("组别", 10), Column("点位名称", 28),
                  Column("类别", 14), Column("街道/区域", 16), Column("地址", 30),
                  Column("是否固定点位", 8), Column("是否调换", 8), Column("调换原因", 36, "wrap"),
                  Column("检查状态", 10), Column("得分（百分制）", 10, "number"),
                  Column("测评时间", 18, "datetime")]


def sample_rows(round, user):
    """The round's sampled points the user sees, team by team in route order (points not yet
    given to a team last), with the swaps behind each. Three queries."""
    samples = list(RoundSample.objects.visible_to(user).filter(round=round).select_related(
        "point", "category", "district", "street", "team", "inspection").order_by(
        F("team__name").asc(nulls_last=True), "team_id", F("route_order").asc(nulls_last=True),
        "point__name", "pk"))
    swaps = {}
    for swap in round.swaps.filter(sample__in=[s.pk for s in samples]).select_related(
            "old_point").order_by("created", "pk"):
        swaps.setdefault(swap.sample_id, []).append(swap)
    return samples, swaps


def _whose(user):
    """The scope in the title: an inspector sees only the stops of their own teams."""
    if user.role == Role.INSPECTOR and not user.is_superuser:
        return "本人所在督查组的点位"
    return "全部"


def sample_export_file(round, user):
    samples, swaps = sample_rows(round, user)

    def build(book):
        seed = f"，随机种子 {round.seed}" if round.is_drawn else "，尚未抽样"
        sheet = ReportSheet(book, "抽中点位与路线", title=f"{round.name}抽中点位与路线{seed}",
                            columns=SAMPLE_COLUMNS, filters=_whose(user))
        unassigned = 0
        for s in samples:
            if s.team_id is None or s.route_order is None:
                unassigned += 1
            inspection = s.inspection
            rate = (float(inspection.score) * 100 / float(inspection.max_score)
                    if inspection and inspection.max_score else None)
            mine = swaps.get(s.pk, [])
            sheet.append([
                s.route_order if s.team_id and s.route_order else unassigned,
                s.team.name if s.team_id else "未分组", s.point.name, s.category.name,
                (s.street or s.district).name if (s.street or s.district) else "",
                s.point.address, "是" if s.is_fixed else "否", "是" if mine else "否",
                "\n".join(f"原点位“{w.old_point.name}”：{w.reason}" for w in mine),
                "已测评" if inspection else "未测评", _rate(rate),
                inspection.created if inspection else None,
            ])
        sheet.close()

    return _book(build)


# --- The scores --------------------------------------------------------------------------

LINE_COLUMNS = [Column("名称", 24), Column("得分（百分制）", 12, "number"),
                Column("测评点位数", 10, "number")]
BREAKDOWNS = [("按点位类别", "by_category"), ("按区县", "by_district"), ("按街道", "by_street"),
              ("按责任单位", "by_unit")]


def previous_lines(scores):
    """(round, its score, points, 本轮比它高/低 in words) for the previous rounds shown."""
    out = []
    for r, score, n in scores.previous:
        if score is None:
            change = "该轮暂无得分"
        elif scores.score is None:
            change = "本轮尚无得分"
        else:
            diff = scores.score - score
            change = (f"本轮高 {diff:.1f} 分" if diff > 0 else f"本轮低 {-diff:.1f} 分"
                      if diff < 0 else "持平")
        out.append((r, score, n, change))
    return out


METHOD = ("各点位按检查标准分值计分，折算为百分制；各类别取平均，全域得分为各类别得分的平均。")
SPREAD = ("把已测评点位按类别有放回地重抽200次，中间95%的得分落在本轮得分的±这么多分之内，"
          "说明换一批随机点位得分大致会变动多少。")


def summary_rows(scores):
    """(项目, 内容, 说明) rows of the score summary the round page shows."""
    r = scores.round
    rows = [("测评轮次", r.name, ""), ("类型", r.get_kind_display(), ""),
            ("测评范围", r.region.name, ""),
            ("日期", f"{r.starts:%Y-%m-%d} 至 {r.ends:%Y-%m-%d}", ""),
            ("测评体系", str(r.framework), ""), ("抽中点位", scores.sampled, ""),
            ("已测评点位", scores.points, "")]
    if not scores.has_data:
        return rows + [("全域实地得分", NO_SCORE, "测评后按测评体系计分")]
    return rows + [
        ("全域实地得分", _rate(scores.score), METHOD),
        ("波动范围（±分）", _rate(scores.spread), SPREAD),
        ("95%区间", f"{scores.score - scores.spread:.1f} ～ {scores.score + scores.spread:.1f}",
         ""),
    ]


def scores_export_file(round):
    scores = round_scores(round)

    def build(book):
        title = f"{round.name}实地考察得分"
        sheet = ReportSheet(book, "总体", title=title, columns=[
            Column("项目", 16), Column("内容", 30, "number"), Column("说明", 50, "wrap")])
        for row in summary_rows(scores):
            sheet.append(list(row))
        sheet.close()
        for name, attr in BREAKDOWNS:
            sheet = ReportSheet(book, name, title=f"{title}（{name}）", columns=LINE_COLUMNS)
            for line in getattr(scores, attr):
                sheet.append([line.name, _rate(line.score), line.points])
            if not scores.has_data:
                sheet.append([NO_SCORE, None, 0])
            sheet.close()
        sheet = ReportSheet(book, "与历次比较", title=f"{title}（与此前轮次比较）", columns=[
            Column("轮次", 28), Column("开始日期", 14, "date"), Column("实地得分", 10, "number"),
            Column("测评点位数", 10, "number"), Column("与本轮相比", 16)])
        sheet.append([f"{round.name}（本轮）", round.starts,
                      _rate(scores.score) if scores.has_data else NO_SCORE, scores.points, ""])
        for r, score, n, change in previous_lines(scores):
            sheet.append([r.name, r.starts, _rate(score) if score is not None else "暂无得分",
                          n, change])
        sheet.close()

    return _book(build)


def scores_pdf(round):
    """The score summary, the four breakdowns, the comparison and the findings' progress as
    an A4 PDF (raises jobs.pdf.PdfUnavailable without a CJK font)."""
    scores = round_scores(round)
    return render_pdf("rounds/round_scores_pdf.html", {
        "round": round, "scores": scores, "summary": summary_rows(scores),
        "breakdowns": [(name, getattr(scores, attr)) for name, attr in BREAKDOWNS],
        "previous": previous_lines(scores), "findings": findings_summary(round),
        "now": timezone.now(), "no_score": NO_SCORE})


# --- The findings ------------------------------------------------------------------------

FINDING_COLUMNS = [Column("点位", 24), Column("点位类别", 12), Column("检查项", 30, "wrap"),
                   Column("结论", 10), Column("扣分", 12, "number"), Column("是否严重", 8),
                   Column("问题编号", 9, "number"), Column("责任单位", 18), Column("状态", 9),
                   Column("整改期限", 18, "datetime"), Column("是否超期", 8),
                   Column("是否复发", 28, "wrap")]


def deduction(result):
    """What the failed item cost the point: its weight, the severe multiple of it, or
    "该点位计0分"."""
    item = result.check_item
    if result.verdict == InspectionResult.Verdict.SEVERE:
        if item.severe_rule == CheckItem.SevereRule.ZERO:
            return "该点位计0分"
        return float(item.score * item.severe_multiple)
    return float(item.score)


def finding_issues(round, user, *, now=None):
    """The issues the round's failed items were filed as, that the user sees (the round
    page's scope), with the finding behind each, overdue and relapse counts. One query."""
    return (Issue.objects.visible_to(user).filter(round_finding__round=round)
            .with_overdue(now or timezone.now()).with_relapse_count()
            .select_related("responsible_unit", "round_finding__sample__point",
                            "round_finding__sample__category",
                            "round_finding__result__check_item")
            .order_by("round_finding__sample__point__name", "round_finding__result__check_item__order",
                      "pk"))


def relapse_text(issue, again):
    parts = []
    if again:
        parts.append("上一轮同一点位同一检查项已发现")
    if issue.relapse_count:
        parts.append(f"销号后反弹 {issue.relapse_count} 次")
    return f"是（{'；'.join(parts)}）" if parts else "否"


def findings_export_file(round, user):
    issues = list(finding_issues(round, user))
    before = relapsed_pairs(round)

    def build(book):
        sheet = ReportSheet(book, "发现的问题", title=f"{round.name}发现的问题",
                            columns=FINDING_COLUMNS)
        for issue in issues:
            finding = issue.round_finding
            result = finding.result
            pair = (finding.sample.point_id, result.check_item_id)
            sheet.append([
                finding.sample.point.name, finding.sample.category.name,
                result.check_item.text, result.get_verdict_display(), deduction(result),
                "是" if result.verdict == InspectionResult.Verdict.SEVERE else "否", issue.pk,
                issue.responsible_unit.name if issue.responsible_unit_id else "未指定",
                issue.get_status_display(), issue.deadline,
                "是" if issue.is_overdue else "否", relapse_text(issue, pair in before),
            ])
        sheet.close()

    return _book(build)
