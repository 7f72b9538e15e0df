"""Residents' reports of the generated benchmark city: 50,000 over the past year (500 at the
small scale) near the generated points, in every state, each with one photo record; the
accepted ones linked to issues of their district."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from evidence.processing import hash_bands, to_signed64
from issues.citygen import _keep_given_times, _region_id
from issues.models import Issue
from points.models import Point

from .demo import seed_categories
from .models import CivicReport, ReportCategory, ReportPhoto

SIZES = {"small": 500, "city": 50_000}
BATCH = 5000
STATES = [(CivicReport.Status.NEW, 40), (CivicReport.Status.ACCEPTED, 35),
          (CivicReport.Status.REJECTED, 20), (CivicReport.Status.MERGED, 5)]


def generate(city):
    seed_categories()
    rng = city.rng
    now = timezone.now().replace(microsecond=0)
    categories = list(ReportCategory.objects.values_list("pk", flat=True))
    points = list(Point.objects.filter(latitude__isnull=False)
                  .values_list("latitude", "longitude", "territorial_unit__region_path"))
    if not categories or not points:
        return
    issues = {}
    for pk, region in Issue.objects.values_list("pk", "region_id")[:20000]:
        issues.setdefault(region, []).append(pk)
    plan = [s for s, share in STATES for _ in range(share)]
    reasons = CivicReport.RejectReason.values
    reports = []
    for n in range(SIZES[city.scale]):
        lat, lng, region_path = points[rng.randrange(len(points))]
        region = _region_id(region_path)
        status = plan[rng.randrange(len(plan))]
        created = now - dt.timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 1439))
        report = CivicReport(
            code=f"{rng.getrandbits(190):032x}"[:32], region_id=region,
            category_id=categories[rng.randrange(len(categories))],
            description="小区门口垃圾堆放多日无人清理", created=created,
            latitude=Decimal(lat) + Decimal(rng.randint(-300, 300)) / 100000,
            longitude=Decimal(lng) + Decimal(rng.randint(-300, 300)) / 100000,
            address=f"第 {n % 300} 街附近", status=status)
        if status == CivicReport.Status.ACCEPTED and issues.get(region):
            report.issue_id = issues[region][rng.randrange(len(issues[region]))]
        elif status == CivicReport.Status.ACCEPTED:
            report.status = CivicReport.Status.NEW
        if status == CivicReport.Status.REJECTED:
            report.reject_reason = reasons[rng.randrange(len(reasons))]
        if report.status != CivicReport.Status.NEW:
            report.decided_at = created + dt.timedelta(hours=rng.randint(1, 48))
        reports.append(report)
    with _keep_given_times(CivicReport, ReportPhoto):
        CivicReport.objects.bulk_create(reports, batch_size=BATCH)
        photos = []
        for report in reports:
            phash = to_signed64(rng.getrandbits(64))
            bands = hash_bands(phash)
            photos.append(ReportPhoto(
                report_id=report.pk, original_name="IMG.jpg", size=300_000, width=1280,
                height=960, created=report.created, phash=phash, phash_band0=bands[0],
                phash_band1=bands[1], phash_band2=bands[2], phash_band3=bands[3],
                file=f"civic/{report.pk}/{rng.getrandbits(128):032x}.jpg",
                processed_at=report.created))
        ReportPhoto.objects.bulk_create(photos, batch_size=BATCH)
    merged = [r for r in reports if r.status == CivicReport.Status.MERGED]
    targets = {}
    for r in reports:
        if r.status == CivicReport.Status.NEW:
            targets.setdefault(r.region_id, r.pk)
    for r in merged:
        r.duplicate_of_id = targets.get(r.region_id)
    CivicReport.objects.bulk_update([r for r in merged if r.duplicate_of_id], ["duplicate_of"],
                                    batch_size=BATCH)
