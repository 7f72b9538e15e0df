"""Demo ledger tasks for part of the demo framework, with material in every state."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from evidence.validators import validate_image
from points.models import FrameworkItem

from . import services
from .models import LedgerRequirement

REPORT = {
    "responsibility": "单位主要领导为第一责任人，分管领导具体负责，办公室牵头落实。",
    "deployment": "印发《创建全国文明城市工作实施方案》（2025年第3号）。",
    "measures": "开展集中宣传活动6次，入户走访120户，设置宣传展板30块。",
    "data": "累计覆盖群众5000余人次，发放宣传资料2000份。",
    "results": "群众知晓率由78%提升到93%，被市级媒体报道2次。",
}


def _photo(n):
    img = Image.new("RGB", (800, 600), (40 + n * 30 % 200, 120, 200 - n * 20 % 150))
    draw = ImageDraw.Draw(img)
    draw.rectangle([100 + n * 10, 100, 500, 400 - n * 5], fill=(240, 200, 60))
    draw.ellipse([450, 150 + n * 7, 700, 450], fill=(30, 60, 160))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    f = SimpleUploadedFile(f"现场照片{n}.jpg", buf.getvalue(), content_type="image/jpeg")
    f.evidence_info = validate_image(f)
    return f


def seed(city):
    """Six tasks: 区城管局's material drafted, signed, returned and approved; 区住建局 not
    started."""
    if LedgerRequirement.objects.exists():
        return
    standards = list(FrameworkItem.objects.filter(level="standard", method_online=True)[:6]) or \
        list(FrameworkItem.objects.filter(level="standard")[:6])
    if not standards:
        return
    year = timezone.localdate().year
    users = city.users
    states = ["draft", "signed", "returned", "approved", None, None]
    _last_year(city, standards[:3], year - 1)
    for i, std in enumerate(standards):
        lead = city.units["区城管局"] if i < 4 else city.units["区住建局"]
        req = LedgerRequirement.objects.create(
            region=city.district, year=year, standard=std, title=f"{std.title}台账",
            lead_unit=lead, deadline=timezone.now() + dt.timedelta(days=7 + i * 5),
            photo_count=2, material_start=dt.date(year, 1, 1),
            material_end=dt.date(year, 12, 31), guidance="照片须标注时间、地点、人物、主题、事由。",
        )
        req.contributing_units.set([city.units["东街街道"]])
        state = states[i]
        if state is None:
            continue  # 区住建局 has not started: it shows first on the progress page
        sub = services.ledger_submission_create(
            requirement=req, by=users["liaison"], photos=[_photo(i * 2), _photo(i * 2 + 1)],
            report=REPORT, captions={"caption_place": "人民广场", "caption_subject": std.title})
        if state == "draft":
            continue
        services.ledger_submission_sign(submission=sub, by=users["unitleader"])
        if state == "approved":
            services.ledger_submission_approve(submission=sub, by=users["office"])
        elif state == "returned":
            services.ledger_submission_return(submission=sub, by=users["office"],
                                              comments={"data": "数据实例请注明来源。"})


def _last_year(city, standards, year):
    """Last year's tasks, for 复制往年任务: one with a 我们的节日·端午 activity window."""
    for i, std in enumerate(standards):
        req = LedgerRequirement.objects.create(
            region=city.district, year=year, standard=std, title=f"{std.title}台账",
            lead_unit=city.units["区城管局"] if i % 2 == 0 else city.units["区住建局"],
            deadline=timezone.make_aware(dt.datetime(year, 10, 20 + i, 18, 0)),
            photo_count=2, document_count=1 if i == 0 else 0, documents_note="部署文件",
            material_start=dt.date(year, 1, 1), material_end=dt.date(year, 11, 1),
            activity_name="我们的节日·端午" if i == 1 else "",
            activity_start=dt.date(year, 5, 31) if i == 1 else None,
            activity_end=dt.date(year, 6, 2) if i == 1 else None,
            guidance="照片须标注时间、地点、人物、主题、事由。",
        )
        req.contributing_units.set([city.units["东街街道"]])
