"""The 通报 draft as a Word document in 红头 layout: the office's name in red with the document
number left to fill, the title, the issues far overdue as a table with their working days
late, the units repeatedly late (约谈候选) and the closing requirement, dated and signed by
the office. The clerk edits it in Word before it is issued."""

import datetime as dt

from django.utils import timezone

from jobs import word

from . import deadlines


def issuer_for(user):
    """The issuing office: the user's own 创城办, or their region's."""
    unit = user.unit
    if unit is None:
        return "创建全国文明城市工作办公室"
    if unit.kind == "office":
        return unit.name
    return f"{unit.name}创城办"


def notice_document(*, issues, candidates, user, now):
    """The draft for `issues` (rows of `notice_draft`, with category, point and unit) and
    `candidates` (units annotated with `notice_count`)."""
    issues, candidates = list(issues), list(candidates)
    today = deadlines.local_date(now)
    calendar = deadlines.WorkCalendar.load(start=today - dt.timedelta(days=365), end=today)
    issuer = issuer_for(user)
    doc = word.new_document()
    word.red_header(doc, issuer=issuer, number=f"〔{today.year}〕    号")
    word.title(doc, "关于逾期未整改问题的通报")
    word.body(doc, "各责任单位：", indent=False)
    units = {i.responsible_unit_id for i in issues}
    word.body(doc, f"截至{today:%Y年%m月%d日}，经平台核查，仍有 {len(issues)} 个问题超过整改期限"
                   f"未完成整改，涉及 {len(units)} 个责任单位。现将有关情况通报如下：")
    doc.add_heading("一、逾期未整改问题", level=1)
    if issues:
        word.table(doc, ["序号", "编号", "问题类别", "位置", "责任单位", "整改期限", "逾期(工作日)"], [
            (n, f"#{i.pk}", i.category.name, i.location_display,
             i.responsible_unit.name if i.responsible_unit else "",
             f"{timezone.localtime(i.deadline):%Y-%m-%d}" if i.deadline else "",
             deadlines.working_days_late(i.deadline, now, calendar) if i.deadline else "")
            for n, i in enumerate(issues, 1)], widths=[1.1, 1.5, 2.4, 4.2, 3, 2.3, 1.8])
    else:
        word.body(doc, "无。")
    doc.add_heading("二、约谈候选单位", level=1)
    if candidates:
        for n, unit in enumerate(candidates, 1):
            word.body(doc, f"{n}. {unit.name}：近期 {unit.notice_count} 个问题逾期列入通报。")
    else:
        word.body(doc, "无。")
    doc.add_heading("三、工作要求", level=1)
    word.body(doc, "请上述责任单位高度重视，立即组织整改，于通报印发之日起 3 个工作日内完成整改并"
                   "在平台上传整改后照片；确有困难的，须说明原因并申请延期。对整改不力、多次逾期的"
                   "单位，将按照“谁主管谁负责、谁丢分谁负责”的原则约谈主要负责人。")
    doc.add_paragraph()
    word.body(doc, issuer, indent=False, align=word.WD_ALIGN_PARAGRAPH.RIGHT)
    word.body(doc, f"{today:%Y年%m月%d日}", indent=False, align=word.WD_ALIGN_PARAGRAPH.RIGHT)
    return doc
