"""The ledger 说明报告 as Word: one heading per element of the five (主体责任、部署文件、具体
措施、数据实例、取得成效), the photos' captions and the documents listed after them, as the
office pastes it into the national system or prints it for signing."""

from django.utils import timezone

from jobs import word

from .models import REPORT_ELEMENTS

NUMERALS = "一二三四五六七八九十"


def report_document(submission):
    """The report of `submission` (its requirement, unit, photos and documents already
    fetched or fetched here: three queries)."""
    sub, req = submission, submission.requirement
    doc = word.new_document()
    word.title(doc, f"{req.title}说明报告")
    meta = [f"报送单位：{sub.unit.name}", f"测评标准：{req.standard}",
            f"版本：第 {sub.version} 版（{sub.get_status_display()}）"]
    if sub.signed_at:
        meta.append(f"主要领导签字：{sub.signed_by.display_name if sub.signed_by else ''}"
                    f" {timezone.localtime(sub.signed_at):%Y年%m月%d日}")
    for line in meta:
        word.body(doc, line, indent=False)
    for i, (key, (label, _hint)) in enumerate(REPORT_ELEMENTS.items()):
        doc.add_heading(f"{NUMERALS[i]}、{label}", level=1)
        text = str(sub.report.get(key, "") or "").strip()
        word.body(doc, text or "（未填写）")
    photos = list(sub.photos.all())
    if photos:
        doc.add_heading(f"{NUMERALS[len(REPORT_ELEMENTS)]}、照片说明", level=1)
        word.table(doc, ["序号", "时间", "地点", "人物", "主题", "事由"], [
            (n, p.caption_time, p.caption_place, p.caption_people, p.caption_subject,
             p.caption_reason) for n, p in enumerate(photos, 1)],
            widths=[1.2, 2.6, 3, 2.6, 3, 3.2])
    documents = list(sub.documents.all())
    if documents:
        doc.add_heading(f"{NUMERALS[len(REPORT_ELEMENTS) + bool(photos)]}、佐证文件", level=1)
        for n, d in enumerate(documents, 1):
            word.body(doc, f"{n}. {d.title or d.original_name}", indent=False)
    return doc
