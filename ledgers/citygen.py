"""Ledgers of the generated benchmark city (DESIGN.md §7): 3,000 ledger tasks over two years
(last year's closed, this year's in progress) on the framework standards, each with a lead
unit and contributing units of its district, and 20,000 submission versions in every state
with their events, photo and document records and the reviewers' sign-offs, inserted in bulk
and reproducible from the city's random generator.

Photo records carry hashes and stored names (most files do not exist); a few point at real
small images, processed here so the pages can show them. A small share of photos are copies
of another unit's photo and are flagged on both sides, as the worker would flag them.
"""

import contextlib
import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from evidence.processing import hash_bands, process_image, to_signed64
from points.demo import seed_framework
from points.models import FrameworkItem

from .models import (
    LedgerDocument,
    LedgerEvent,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
)

SIZES = {"small": {"requirements": 60, "submissions": 300},
         "city": {"requirements": 3000, "submissions": 20_000}}
BATCH = 5000
REAL_FILES = 3
DUPLICATE_SHARE = 0.01
S = LedgerSubmission.Status
# Final state of a unit's material (its current version), by share; last year's is mostly done.
PLANS_THIS_YEAR = [(S.DRAFT, 25), (S.SIGNED, 20), (S.RETURNED, 15), (S.APPROVED, 40)]
PLANS_LAST_YEAR = [(S.DRAFT, 3), (S.SIGNED, 4), (S.RETURNED, 3), (S.APPROVED, 90)]
# Festivals of 我们的节日 (month, day, name) for activity windows.
FESTIVALS = [(1, 29, "春节"), (4, 4, "清明"), (5, 31, "端午"), (10, 6, "中秋"), (10, 29, "重阳")]
REPORT = {
    "responsibility": "单位主要领导为第一责任人，分管领导具体负责，办公室牵头落实。",
    "deployment": "印发《创建全国文明城市工作实施方案》。",
    "measures": "开展集中宣传活动，入户走访，设置宣传展板。",
    "data": "累计覆盖群众5000余人次，发放宣传资料2000份。",
    "results": "群众知晓率明显提升，被市级媒体报道。",
}
RETURN_COMMENTS = [{"data": "数据实例请注明来源。"}, {"photos": "照片缺少时间、地点标注。"},
                   {"deployment": "请补充部署文件的文号和日期。"}, {"general": "材料不完整，请补充。"}]
# Model fields the generator sets itself instead of `auto_now(_add)`.
_TIMED = [(LedgerRequirement, "created"), (LedgerSubmission, "created"),
          (LedgerSubmission, "updated"), (LedgerEvent, "created"), (LedgerPhoto, "created"),
          (LedgerDocument, "created")]


@contextlib.contextmanager
def _keep_given_times():
    """Let bulk inserts keep the times we give instead of `auto_now` / `auto_now_add`."""
    saved = []
    for model, name in _TIMED:
        f = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now_, add in saved:
            f.auto_now, f.auto_now_add = now_, add


def _insert(model, objs):
    """Insert `objs` as they are: COPY on PostgreSQL (no SQL compilation per row; the
    values must be plain — ids, text, numbers, dates, files — no JSON), else bulk_create."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields
              if not (f.primary_key and objs[0].pk is None)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            row = [getattr(obj, n) for n in names]
            copy.write_row([v.name or "" if isinstance(v, FieldFile) else v for v in row])


def _reserve_ids(model, count):
    """`count` fresh ids from the table's sequence (PostgreSQL), for rows inserted by COPY
    that others must point at."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


def _weighted(plans):
    return [s for s, share in plans for _ in range(share)]


def _aware(day, hour=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _standards():
    seed_framework()
    ids = list(FrameworkItem.objects.filter(level="standard", method_online=True)
               .values_list("pk", "code", "title"))
    return ids or list(FrameworkItem.objects.filter(level="standard")
                       .values_list("pk", "code", "title"))


def generate(city):
    """Ledger tasks, submissions, events, photo and document records (see module doc)."""
    sizes = SIZES[city.scale]
    now = timezone.now().replace(microsecond=0)
    standards = _standards()
    if not standards or not city.districts:
        return
    this_year = timezone.localdate().year
    units_of = {d.pk: [] for d in city.districts}
    for unit in city.departments + city.streets:
        units_of[int(unit.region_path.strip("/").split("/")[-1])].append(unit.pk)
    liaison, leader, office = {}, {}, {}
    for user in city.users:
        if user.role == Role.LIAISON:
            liaison.setdefault(user.unit_id, user.pk)
        elif user.role == Role.UNIT_LEADER:
            leader.setdefault(user.unit_id, user.pk)
        elif user.role == Role.OFFICE:
            office.setdefault(int(user.unit.region_path.strip("/").split("/")[-1]), user.pk)

    with _keep_given_times():
        reqs, contributors = _requirements(city, sizes["requirements"], standards, units_of,
                                           office, this_year, now)
        chains = _plan_chains(city, reqs, contributors, sizes["submissions"], this_year)
        subs = _submissions(city, chains, liaison, leader, office, now)
        _events(subs, now)
        _files(city, reqs, subs, now)
    city.ledger_requirements = reqs
    city.ledger_submissions = [s for chain in subs for s in chain]


def _requirements(city, count, standards, units_of, office, this_year, now):
    """`count` tasks: 40 % last year, 60 % this year, spread over the districts; each has a
    lead department and 2–6 contributing departments or streets of its district."""
    rng = city.rng
    districts = city.districts
    rows, contributors = [], []
    for i in range(count):
        year = this_year - 1 if i < count * 2 // 5 else this_year
        district = districts[i % len(districts)]
        pool = units_of[district.pk]
        pk, code, title = standards[rng.randrange(len(standards))]
        material_start, material_end = dt.date(year, 1, 1), dt.date(year, 10, 31)
        if year < this_year:
            deadline = _aware(dt.date(year, rng.randint(3, 11), rng.randint(1, 28)), 18)
        else:
            deadline = now + dt.timedelta(days=rng.randint(-120, 90), hours=rng.randint(0, 23))
            deadline = deadline.replace(minute=0, second=0)
        req = LedgerRequirement(
            region_id=district.pk, year=year, standard_id=pk, title=f"{title}台账{i + 1}",
            lead_unit_id=pool[rng.randrange(len(pool))], deadline=deadline,
            photo_count=rng.choice((0, 1, 2, 2, 3, 4)), report_required=rng.random() < 0.9,
            document_count=rng.choice((0, 0, 1, 1, 2)),
            documents_note="部署文件、会议纪要" if i % 3 else "",
            material_start=material_start, material_end=material_end,
            guidance="照片须标注时间、地点、人物、主题、事由；说明报告写清五要素。",
            created_by_id=office.get(district.pk), created=_aware(dt.date(year, 1, 5), 9),
        )
        if i % 10 == 0:
            month, day, name = FESTIVALS[(i // 10) % len(FESTIVALS)]
            start = dt.date(year, month, day)
            req.activity_name = f"我们的节日·{name}"
            req.activity_start, req.activity_end = start, start + dt.timedelta(days=2)
        rows.append(req)
        others = [u for u in pool if u != req.lead_unit_id]
        contributors.append(rng.sample(others, min(len(others), rng.randint(2, 6))))
    LedgerRequirement.objects.bulk_create(rows, batch_size=BATCH)
    through = LedgerRequirement.contributing_units.through
    through.objects.bulk_create(
        [through(ledgerrequirement_id=r.pk, unit_id=u)
         for r, units in zip(rows, contributors, strict=True) for u in units],
        batch_size=BATCH)
    return rows, contributors


def _plan_chains(city, reqs, contributors, total, this_year):
    """(requirement, unit, final status, versions) for units that have started, until the
    number of versions reaches `total`; the rest of the units have not started."""
    rng = city.rng
    pairs = [(r, u) for r, units in zip(reqs, contributors, strict=True)
             for u in [r.lead_unit_id, *units]]
    rng.shuffle(pairs)
    this_plans, last_plans = _weighted(PLANS_THIS_YEAR), _weighted(PLANS_LAST_YEAR)
    chains, made = [], 0
    for n, (req, unit) in enumerate(pairs):
        if made >= total:
            break
        if n < len(S.values):
            status = S.values[n]  # every state present even at the small scale
        else:
            plans = this_plans if req.year == this_year else last_plans
            status = plans[rng.randrange(len(plans))]
        returns = rng.choice((0, 0, 0, 0, 0, 1, 1, 2))
        versions = min(returns + 1, total - made)
        chains.append((req, unit, status, versions))
        made += versions
    return chains


def _submissions(city, chains, liaison, leader, office, now):
    """The versions of each chain, inserted version by version so each can point at its
    predecessor: earlier versions returned, the last one in the chain's final state."""
    rng = city.rng
    result = []
    for req, unit, status, versions in chains:
        region = req.region_id
        start = req.created + dt.timedelta(days=rng.randint(1, 60))
        end = min(now, max(req.deadline + dt.timedelta(days=10), start + dt.timedelta(days=5)))
        if end <= start:
            end = start + dt.timedelta(days=versions * 2)
        step = (end - start) / (versions * 3)
        chain, first_signed = [], None
        for v in range(versions):
            last = v == versions - 1
            state = status if last else S.RETURNED
            created = start + step * 3 * v
            sub = LedgerSubmission(
                requirement_id=req.pk, unit_id=unit, version=v + 1, is_current=last,
                status=state, report=dict(REPORT) if rng.random() < 0.9 or state != S.DRAFT
                else {"responsibility": REPORT["responsibility"]},
                created_by_id=liaison.get(unit), created=created, updated=created,
            )
            if state != S.DRAFT:
                sub.signed_by_id = leader.get(unit)
                sub.signed_at = created + step
                first_signed = first_signed or sub.signed_at
                sub.first_signed_at = first_signed
                sub.updated = sub.signed_at
            elif first_signed:
                sub.first_signed_at = first_signed
            if state in (S.RETURNED, S.APPROVED):
                sub.reviewed_by_id = office.get(region)
                sub.reviewed_at = created + step * 2
                sub.updated = sub.reviewed_at
                if state == S.RETURNED:
                    sub.review_comments = RETURN_COMMENTS[rng.randrange(len(RETURN_COMMENTS))]
            chain.append(sub)
        result.append(chain)
    depth = max((len(c) for c in result), default=0)
    for v in range(depth):
        wave = [c[v] for c in result if len(c) > v]
        if v:  # the predecessors were inserted in the previous wave and have their ids
            for c in result:
                if len(c) > v:
                    c[v].previous_id = c[v - 1].pk
        LedgerSubmission.objects.bulk_create(wave, batch_size=BATCH)
    return result


def _events(chains, now):
    """create/new_version, sign, return/approve events as each version's state implies."""
    rows = []
    for chain in chains:
        for sub in chain:
            if sub.version == 1:
                rows.append(LedgerEvent(submission_id=sub.pk, actor_id=sub.created_by_id,
                                        action="create", to_status=S.DRAFT, comment="第1版",
                                        created=sub.created))
            else:
                rows.append(LedgerEvent(
                    submission_id=sub.pk, actor_id=sub.created_by_id, action="new_version",
                    to_status=S.DRAFT, comment=f"根据退回意见重新填报，第{sub.version}版",
                    created=sub.created))
            if sub.signed_at:
                rows.append(LedgerEvent(submission_id=sub.pk, actor_id=sub.signed_by_id,
                                        action="sign", from_status=S.DRAFT,
                                        to_status=S.SIGNED, created=sub.signed_at))
            if sub.reviewed_at:
                returned = sub.status == S.RETURNED
                rows.append(LedgerEvent(
                    submission_id=sub.pk, actor_id=sub.reviewed_by_id,
                    action="return" if returned else "approve", from_status=S.SIGNED,
                    to_status=sub.status, created=sub.reviewed_at,
                    comment="；".join(sub.review_comments.values()) if returned else ""))
        if len(rows) >= BATCH:
            _insert(LedgerEvent, rows)
            rows = []
    _insert(LedgerEvent, rows)


def _files(city, reqs, chains, now):
    """Photo and document records: each version has what its task asks (a draft may have
    fewer); a new version carries copies of its predecessor's photos (same hashes, as
    `ledger_submission_new_version` copies them). About 1 % of first-version photos copy
    another unit's photo and both are flagged. The first few photos are real files."""
    rng = city.rng
    req_by_id = {r.pk: r for r in reqs}
    photos, docs, real = [], [], []
    by_sub = {}
    for chain in chains:
        for sub in chain:
            req = req_by_id[sub.requirement_id]
            wanted = req.photo_count
            if sub.status == S.DRAFT:
                wanted = rng.randint(0, wanted)
            previous = by_sub.get(sub.previous_id, [])
            own = []
            start, end = req.photo_window()
            for k in range(wanted):
                if k < len(previous):
                    src = previous[k]
                    phash, sha, taken = src.phash, src.sha256, src.exif_taken_at
                else:
                    phash = to_signed64(rng.getrandbits(64))
                    sha = f"{rng.getrandbits(256):064x}"
                    r = rng.random()
                    if r < 0.05:
                        taken = None
                    elif r < 0.10:
                        taken = start - dt.timedelta(days=rng.randint(1, 200))
                    else:
                        span = max(int((end - start).total_seconds()), 1)
                        taken = start + dt.timedelta(seconds=rng.randrange(span))
                folder = f"ledgers/{sub.pk}"
                photo = LedgerPhoto(
                    submission_id=sub.pk, original_name=f"IMG_{sub.pk}_{k}.jpg",
                    size=rng.randint(80_000, 900_000), sha256=sha,
                    uploaded_by_id=sub.created_by_id, created=sub.created, width=1280,
                    height=960, phash=phash, exif_taken_at=taken,
                    caption_time=f"{timezone.localtime(taken):%Y年%m月%d日}" if taken else "",
                    caption_place="人民广场", caption_people="单位干部职工、志愿者",
                    caption_subject=req.title[:100], caption_reason="创建全国文明城市宣传活动",
                    no_exif=taken is None,
                    exif_outside_window=bool(taken and not (start <= taken <= end)),
                    processed_at=sub.created + dt.timedelta(minutes=1),
                    checked_at=sub.created + dt.timedelta(minutes=1),
                )
                photo.file.name = f"{folder}/{rng.getrandbits(128):032x}.jpg"
                photo.thumbnail.name = f"{folder}/{rng.getrandbits(128):032x}.webp"
                photo.display.name = f"{folder}/{rng.getrandbits(128):032x}.webp"
                own.append(photo)
            by_sub[sub.pk] = own
            photos += own
            for k in range(req.document_count if sub.status != S.DRAFT
                           else rng.randint(0, req.document_count)):
                doc = LedgerDocument(
                    submission_id=sub.pk, title=["部署文件", "会议纪要", "工作方案"][k % 3],
                    original_name=f"文件{k + 1}.pdf", size=rng.randint(20_000, 2_000_000),
                    sha256=f"{rng.getrandbits(256):064x}", content_type="application/pdf",
                    uploaded_by_id=sub.created_by_id, created=sub.created)
                doc.file.name = f"ledgers/{sub.pk}/{rng.getrandbits(128):032x}.pdf"
                docs.append(doc)
    _plant_duplicates(rng, photos)
    for photo in photos:
        (photo.phash_band0, photo.phash_band1,
         photo.phash_band2, photo.phash_band3) = hash_bands(photo.phash)
    for n, photo in enumerate(photos[:REAL_FILES]):
        from .demo import _photo

        upload = _photo(n)
        photo.file.name = default_storage.save(
            f"ledgers/{photo.submission_id}/{rng.getrandbits(128):032x}.jpg",
            ContentFile(upload.read()))
        photo.size, photo.width, photo.height, photo.phash = upload.size, 800, 600, None
        photo.phash_band0 = photo.phash_band1 = photo.phash_band2 = photo.phash_band3 = None
        photo.sha256 = ""
        photo.thumbnail.name = photo.display.name = ""
        photo.processed_at = None
        real.append(photo)
    if connection.vendor == "postgresql":
        for photo, pk in zip(photos, _reserve_ids(LedgerPhoto, len(photos)), strict=True):
            photo.pk = photo.id = pk
        _flag_pairs(photos)
        _insert(LedgerPhoto, photos)
    else:
        LedgerPhoto.objects.bulk_create(photos, batch_size=BATCH)
        LedgerPhoto.objects.bulk_update(
            _flag_pairs(photos), ["duplicate_of_model", "duplicate_of_id", "duplicate_of_url",
                                  "duplicate_distance"], batch_size=BATCH)
    _insert(LedgerDocument, docs)
    for photo in real:
        process_image(photo, now=now)


def _flag_pairs(photos):
    """Point each planted copy at its partner (both have ids by now); returns them."""
    flagged = [p for p in photos if getattr(p, "_dup_of", None) is not None]
    for p in flagged:
        other = p._dup_of
        p.duplicate_of_model, p.duplicate_of_id = "ledgers.ledgerphoto", other.pk
        p.duplicate_of_url = reverse("ledgers:submission-detail",
                                     kwargs={"pk": other.submission_id})
        p.duplicate_distance = 0
    return flagged


def _plant_duplicates(rng, photos):
    """Make ~1 % of photos copies of a photo of another submission (another unit), and mark
    the pair to be flagged on both sides once both have ids."""
    pool = photos[REAL_FILES:]  # the real files get their own hashes
    if len(pool) < 2:
        return
    for _ in range(max(1, int(len(pool) * DUPLICATE_SHARE))):
        a, b = pool[rng.randrange(len(pool))], pool[rng.randrange(len(pool))]
        if (a is b or a.submission_id == b.submission_id or hasattr(a, "_dup_of")
                or hasattr(b, "_dup_of")):
            continue
        b.phash, b.sha256 = a.phash, a.sha256
        b._dup_of, a._dup_of = a, b
