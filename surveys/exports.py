"""The survey's Excel exports, built by the worker as a job (kind `survey_export`): the
communities' quota progress, the rates per area and per question, and the raw answers. Each
reads what the job's creator may see, as of when it runs."""

import tempfile

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from jobs.excel import xlsx_workbook

from . import selectors
from .models import INDICATORS, Answer, Indicator, Response, Survey


def _rate_text(value):
    return "—" if value is None else f"{value:.1f}%"


def write_quotas(book, survey, user, progress):
    progress_rows = selectors.quota_progress(survey=survey, user=user)
    sheet = book.add_worksheet("社区配额进度")
    sheet.write_row(0, 0, ["街道", "社区", "配额（户）", "已完成", "其中抽样框内", "完成率", "还差"])
    rows = progress_rows["rows"]
    for n, r in enumerate(rows, start=1):
        sheet.write_row(n, 0, [r["street_name"], r["community_name"], r["target"] or "",
                               r["done"], r["in_frame"],
                               f"{r['percent']}%" if r["percent"] is not None else "",
                               "" if r["missing"] is None else r["missing"]])
    t = progress_rows["totals"]
    sheet.write_row(len(rows) + 1, 0, [
        "合计", f"{t['with_quota']} 个社区有配额，{t['met']} 个已完成", t["target"], t["done"],
        "", f"{t['percent']}%" if t["percent"] is not None else "", t["missing"]])
    sheet.set_column(0, 1, 18)
    return len(rows)


def write_rates(book, survey, user, progress):
    results = selectors.survey_results(survey=survey, user=user)
    sheet = book.add_worksheet("各区域指标")
    head = ["层级", "区域", "有效答卷", "抽样框内"] + [Indicator(i).label for i in INDICATORS]
    sheet.write_row(0, 0, head)
    sheet.write_row(1, 0, ["目标", "", "", ""] + [f"{results['targets'][i]:.1f}%"
                                               for i in INDICATORS])
    row = 2
    for level, key in (("区/市", "districts"), ("街道", "streets"), ("社区", "communities")):
        for area in results["areas"][key]:
            sheet.write_row(row, 0, [level, area["name"], area["response_count"],
                                     area["in_frame_count"]]
                            + [_rate_text(area["rates"][i]) for i in INDICATORS])
            row += 1
    areas = row - 2
    qsheet = book.add_worksheet("各题统计")
    qsheet.write_row(0, 0, ["题号", "题目", "计入指标", "作答数", "指标率", "选项", "选择次数"])
    row = 1
    for q in results["questions"]:
        for n, option in enumerate(q["options"] or [{"text": "", "count": ""}]):
            qsheet.write_row(row, 0, [q["order"], q["text"] if n == 0 else "",
                                      q["indicator_label"] if n == 0 else "",
                                      q["answered"] if n == 0 else "",
                                      _rate_text(q["rate"]) if n == 0 and q["indicator"]
                                      else "", option["text"], option["count"]])
            row += 1
    return areas


def write_responses(book, survey, user, progress, chunk=2000):
    """Every visible response with one column per question, read in chunks of `chunk`
    (three queries per chunk)."""
    questions = list(survey.questions.select_related("section").prefetch_related("options"))
    option_text = {o.pk: o.text for q in questions for o in q.options.all()}
    responses = Response.objects.visible_to(user).filter(survey=survey) \
        .select_related("community", "interviewer").order_by("pk")
    total = responses.count()
    progress(0, total)
    sheet = book.add_worksheet("原始答卷")
    sheet.write_row(0, 0, ["编号", "社区", "渠道", "调查员", "提交时间", "抽样框内",
                           "已作废", "作废原因"] + [f"{q.order}. {q.text}" for q in questions])
    row = 1
    last = 0
    column = {q.pk: 8 + n for n, q in enumerate(questions)}
    while True:
        batch = list(responses.filter(pk__gt=last)[:chunk])
        if not batch:
            break
        last = batch[-1].pk
        answers = {}
        for a in Answer.objects.filter(response__in=batch).prefetch_related(
                Prefetch("choices")).order_by("pk"):
            if a.option_id:
                value = option_text.get(a.option_id, "")
            elif a.text:
                value = a.text
            else:
                value = "；".join(o.text for o in a.choices.all())
            answers[(a.response_id, a.question_id)] = value
        for r in batch:
            sheet.write_row(row, 0, [
                r.pk, r.community.name, r.get_channel_display(),
                r.interviewer.display_name if r.interviewer else "",
                timezone.localtime(r.created).strftime("%Y-%m-%d %H:%M"),
                "是" if r.in_frame else "否", "是" if r.voided else "否", r.void_reason])
            for q in questions:
                value = answers.get((r.pk, q.pk))
                if value:
                    sheet.write(row, column[q.pk], value)
            row += 1
        progress(row - 1, total)
    return row - 1


# part → (what the file holds, writer, what a row of the count is)
PARTS = {
    "quotas": ("问卷配额", write_quotas, "个社区"),
    "rates": ("问卷指标", write_rates, "个区域"),
    "responses": ("问卷答卷", write_responses, "份答卷"),
}


def clean_export_params(params):
    part = params.get("part")
    if part not in PARTS:
        raise ValidationError({"part": "导出内容无效，可选：配额进度、各区域指标、原始答卷。"})
    try:
        survey = int(params.get("survey"))
    except (TypeError, ValueError):
        raise ValidationError({"survey": "请指定要导出的问卷。"}) from None
    return {"survey": survey, "part": part}


def survey_export_job(job, progress):
    """The job handler: one part of the survey in the creator's scope."""
    from jobs.registry import JobFailed
    from jobs.services import save_result

    user = job.created_by
    survey = Survey.objects.visible_to(user).filter(pk=job.params["survey"]).first() \
        if user else None
    if survey is None:
        raise JobFailed("问卷不存在，或您已无权查看。")
    title, write, noun = PARTS[job.params["part"]]
    with tempfile.TemporaryFile() as fh:
        book = xlsx_workbook(fh, {"constant_memory": True})
        count = write(book, survey, user, progress)
        book.close()
        save_result(job, fh, f"{title}-{survey.pk}.xlsx")
    job.result_count = count
    return f"已导出 {count} {noun}，请下载。"
