"""Issues of the generated benchmark city (DESIGN.md §7): 100,000 issues over the past year in
every state (about half closed) with their events, and 200,000 photo records, inserted in
bulk and reproducible from the city's random generator. The photo records carry hashes and
stored names; a handful point at real small image files so the pages can show them."""

import contextlib
import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Role
from evidence.processing import hash_bands, process_image, to_signed64
from points.models import Point

from .demo import draw_photo, seed_categories, seed_holidays
from .models import Issue, IssueCategory, IssueEvent, IssuePhoto, Severity, Source, Status

SIZES = {"small": {"issues": 500, "photos": 1000}, "city": {"issues": 100_000,
                                                            "photos": 200_000}}
BATCH = 5000
REAL_FILES = 5
# Final state of a generated issue, by share.
STATES = [("closed", 45), ("relapse", 5), ("assigned", 18), ("overdue", 10), ("new", 8),
          ("submitted", 10), ("disputed", 4)]
Kind = IssueEvent.Kind


@contextlib.contextmanager
def _keep_given_times(*models):
    """Let bulk inserts keep the creation times we give instead of `auto_now_add`."""
    fields = [m._meta.get_field("created") for m in models]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def _region_id(region_path):
    return int(region_path.strip("/").split("/")[-1])


def _plan(rng, count):
    states = [s for s, share in STATES for _ in range(share)]
    return [states[rng.randrange(len(states))] for _ in range(count)]


def generate(city):
    """Issues, events and photo records for the generated points (see module doc)."""
    seed_categories()
    seed_holidays()
    rng = city.rng
    sizes = SIZES[city.scale]
    now = timezone.now().replace(microsecond=0)
    categories = list(IssueCategory.objects.values_list("pk", flat=True))
    points = list(Point.objects.values_list("pk", "territorial_unit__region_path"))
    if not points or not categories:
        return
    by_region = {}
    for unit in city.departments + city.streets + city.communities:
        by_region.setdefault(_region_id(unit.region_path), []).append(unit.pk)
    staff, unit_staff = {}, {}
    for user in city.users:
        if user.role in (Role.OFFICE, Role.INSPECTOR):
            staff.setdefault(_region_id(user.unit.region_path), []).append(user.pk)
        elif user.role in (Role.LIAISON, Role.POINT_CHIEF):
            unit_staff.setdefault(user.unit_id, user.pk)
    any_staff = [pk for pks in staff.values() for pk in pks]
    sources = Source.values
    severities = Severity.values

    issues, plans = [], _plan(rng, sizes["issues"])
    for plan in plans:
        point_id, region_path = points[rng.randrange(len(points))]
        region = _region_id(region_path)
        found = now - dt.timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 1439))
        if plan == "overdue":
            found = min(found, now - dt.timedelta(days=8))
        issue = Issue(
            point_id=point_id, category_id=categories[rng.randrange(len(categories))],
            source=sources[rng.randrange(len(sources))],
            severity=severities[rng.randrange(len(severities))], description="巡查发现问题，需限期整改",
            region_id=region, created=found,
            created_by_id=rng.choice(staff.get(region) or any_staff),
            status={"relapse": Status.ASSIGNED, "overdue": Status.ASSIGNED}.get(plan, plan),
        )
        if plan != "new":
            units = by_region.get(region) or [u.pk for u in city.departments]
            issue.responsible_unit_id = units[rng.randrange(len(units))]
            if plan == "overdue":
                issue.deadline = now - dt.timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 23))
            elif plan in ("assigned", "relapse"):
                issue.deadline = now + dt.timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 23))
            else:
                issue.deadline = found + dt.timedelta(days=rng.randint(1, 7))
        if plan == "closed":
            issue.closed_at = min(found + dt.timedelta(days=rng.randint(1, 10)), now)
        issues.append(issue)
    with _keep_given_times(Issue, IssueEvent, IssuePhoto):
        Issue.objects.bulk_create(issues, batch_size=BATCH)
        _events(issues, plans, unit_staff, now)
        _photos(city, issues, plans, sizes["photos"], now)


def _events(issues, plans, unit_staff, now):
    """The timeline each issue's state implies: file, assign, submit, review, relapse."""
    rows = []
    for issue, plan in zip(issues, plans, strict=True):
        office = issue.created_by_id
        unit_user = unit_staff.get(issue.responsible_unit_id)
        t = issue.created
        steps = [(Kind.FILE, office, "", Status.NEW)]
        if plan != "new":
            steps.append((Kind.ASSIGN, office, Status.NEW, Status.ASSIGNED))
        if plan == "disputed":
            steps.append((Kind.DISPUTE, unit_user, Status.ASSIGNED, Status.DISPUTED))
        if plan in ("submitted", "closed", "relapse"):
            steps.append((Kind.SUBMIT, unit_user, Status.ASSIGNED, Status.SUBMITTED))
        if plan in ("closed", "relapse"):
            steps.append((Kind.APPROVE, office, Status.SUBMITTED, Status.CLOSED))
        if plan == "relapse":
            steps.append((Kind.REOPEN, office, Status.CLOSED, Status.ASSIGNED))
        end = issue.closed_at or now
        step = (end - t) / len(steps)
        for n, (kind, actor, old, new) in enumerate(steps):
            rows.append(IssueEvent(
                issue_id=issue.pk, kind=kind, actor_id=actor, from_status=old, to_status=new,
                unit_id=issue.responsible_unit_id, deadline=issue.deadline,
                created=t + step * n if kind != Kind.FILE else t,
                reason="复查发现反弹" if kind == Kind.REOPEN else "",
            ))
        if len(rows) >= BATCH:
            IssueEvent.objects.bulk_create(rows, batch_size=BATCH)
            rows = []
    IssueEvent.objects.bulk_create(rows, batch_size=BATCH)


def _photos(city, issues, plans, count, now):
    """`count` photo records: one before-photo per issue, after-photos for the rectified,
    more before-photos for the rest. The first few are real files, processed here."""
    rng = city.rng
    rectified = [i for i, p in zip(issues, plans, strict=True)
                 if p in ("submitted", "closed", "relapse")]
    owners = [(i, IssuePhoto.Kind.BEFORE) for i in issues]
    owners += [(i, IssuePhoto.Kind.AFTER) for i in rectified]
    while len(owners) < count:
        owners.append((issues[rng.randrange(len(issues))], IssuePhoto.Kind.BEFORE))
    owners = owners[:count]
    real = []
    rows = []
    for n, (issue, kind) in enumerate(owners):
        folder = f"issues/{issue.pk}"
        phash = to_signed64(rng.getrandbits(64))
        bands = hash_bands(phash)
        photo = IssuePhoto(
            issue_id=issue.pk, kind=kind, original_name=f"IMG_{n:06d}.jpg",
            size=rng.randint(80_000, 900_000), sha256=f"{rng.getrandbits(256):064x}",
            uploaded_by_id=issue.created_by_id, created=issue.created, width=1280,
            height=960, phash=phash, phash_band0=bands[0], phash_band1=bands[1],
            phash_band2=bands[2], phash_band3=bands[3],
        )
        if n < REAL_FILES:
            upload = draw_photo(n, after=kind == IssuePhoto.Kind.AFTER)
            photo.file.name = default_storage.save(f"{folder}/{rng.getrandbits(128):032x}.jpg",
                                                   ContentFile(upload.read()))
            photo.width, photo.height, photo.size = 480, 360, upload.size
            photo.phash = photo.phash_band0 = photo.phash_band1 = None
            photo.phash_band2 = photo.phash_band3 = None
            photo.sha256 = ""
            real.append(photo)
        else:
            photo.file.name = f"{folder}/{rng.getrandbits(128):032x}.jpg"
            photo.thumbnail.name = f"{folder}/{rng.getrandbits(128):032x}.webp"
            photo.display.name = f"{folder}/{rng.getrandbits(128):032x}.webp"
            photo.processed_at = issue.created + dt.timedelta(minutes=1)
        rows.append(photo)
        if len(rows) >= BATCH:
            IssuePhoto.objects.bulk_create(rows, batch_size=BATCH)
            rows = []
    IssuePhoto.objects.bulk_create(rows, batch_size=BATCH)
    for photo in real:
        process_image(photo, now=now)
