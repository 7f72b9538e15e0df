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
from jobs.bulk import copy_into, reserve_ids
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
# Words of the generated explanation reports: each sentence is assembled from slots, so two
# units' reports share words and phrases (as real ones do) but seldom whole sentences.
LEADS = ("单位主要负责同志", "党组书记", "局长", "主任", "街道党工委书记", "分管副职", "办公室主任")
ROLES = ("亲自部署、靠前指挥", "担任领导小组组长", "牵头抓总", "每月听取专题汇报", "带队督导检查",
         "定期召开推进会", "逐项审定工作方案")
OFFICES = ("办公室", "综合科", "宣传科", "市容科", "业务科", "党建办", "社会事务科", "服务中心")
DUTIES = ("具体承办日常调度", "负责台账收集整理", "落实专人对接创城办", "建立问题清单和责任清单",
          "实行周报告月通报", "把任务分解到科室和个人", "落实包抓责任")
DOCS = ("实施方案", "工作要点", "任务分解表", "专项整治方案", "考核办法", "宣传活动方案",
        "志愿服务方案", "督查工作制度", "长效管理办法")
MEETINGS = ("动员部署会", "专题推进会", "党组会", "现场观摩会", "工作例会", "约谈会")
ACTIONS = ("组织开展", "持续推进", "深入实施", "集中开展", "常态化开展", "联合开展", "广泛开展")
TOPICS = ("文明交通劝导", "背街小巷环境整治", "垃圾分类宣传", "志愿服务进社区", "移风易俗宣传",
          "未成年人思想道德建设", "诚信经营承诺", "公益广告刊播", "农贸市场秩序整治",
          "餐桌文明行动", "楼道堆物清理", "无障碍设施排查", "文明养犬宣传", "道德讲堂活动")
PLACES = ("主次干道", "老旧小区", "农贸市场", "学校周边", "公交站点", "商业街区", "城乡结合部",
          "新时代文明实践站", "景区景点", "医院周边")
MEANS = ("设置宣传展板", "发放倡议书", "入户走访", "悬挂横幅", "利用大屏滚动播放", "建立微信群",
         "开设专栏", "组织知识竞赛", "开展结对帮扶", "设立劝导岗")
UNITS = ("人次", "场次", "份", "处", "户", "条", "个")
EFFECTS = ("群众知晓率", "群众满意度", "守法率", "问题整改率", "志愿者注册率", "参与率")
PRAISE = ("被市级媒体专题报道", "获评市级先进集体", "经验做法在全市推广", "群众评价明显好转",
          "省级暗访中未发现问题", "被评为示范点")
CN_DIGITS = "〇一二三四五六七八九"
NAME_CHARS = "安宝昌春大德东福富港光广和河宏华惠吉嘉建江金锦康乐利龙明南宁平庆瑞山胜泰天文西祥新兴阳永裕园长正中"
NAME_ENDS = ("路", "街", "巷", "社区", "小区", "市场", "广场", "公园", "学校", "村")
PEOPLE = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"


def _cn(n):
    return "".join(CN_DIGITS[int(d)] for d in str(n))


def _place(rng):
    return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(NAME_ENDS)


def _detail(rng, pick):
    """One concrete event, as real reports tell them: a date, a named place and person."""
    return (f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日，{pick(PEOPLE)}{pick(PEOPLE)}"
            f"{pick(('带领', '组织', '协调', '陪同'))}{rng.randint(3, 40)}名"
            f"{pick(('志愿者', '干部职工', '网格员', '执法队员', '党员'))}到{_place(rng)}"
            f"{pick(('清理', '劝导', '宣讲', '走访', '检查', '整治'))}"
            f"{pick(TOPICS)[:rng.randint(2, 4)]}{pick(('问题', '工作', '情况', '隐患'))}"
            f"{rng.randint(2, 60)}{pick(UNITS)}。")


def report_for(rng, unit_name, title, year):
    """A unit's explanation report on a task: the five elements in a few sentences each."""
    pick = rng.choice

    def sentences(make, low, high):
        return "".join(make() for _ in range(rng.randint(low, high)))

    return {
        "responsibility": f"{unit_name}" + sentences(
            lambda: f"{pick(LEADS)}{pick(ROLES)}，{pick(OFFICES)}{pick(DUTIES)}；", 2, 3),
        "deployment": sentences(
            lambda: f"印发《{unit_name}{_cn(year)}年{pick(TOPICS)}{pick(DOCS)}》，"
                    f"召开{pick(MEETINGS)}{rng.randint(1, 9)}次；", 1, 3),
        "measures": sentences(
            lambda: f"在{_place(rng)}等{pick(PLACES)}{pick(ACTIONS)}{pick(TOPICS)}，"
                    f"{pick(MEANS)}；", 2, 3) + sentences(lambda: _detail(rng, pick), 2, 4),
        "data": sentences(
            lambda: f"{pick(TOPICS)}累计{rng.randint(2, 900) * 10}{pick(UNITS)}，"
                    f"{pick(MEANS)}{rng.randint(5, 300)}{pick(UNITS)}；", 1, 2)
        + sentences(lambda: _detail(rng, pick), 1, 2),
        "results": sentences(
            lambda: f"{pick(EFFECTS)}由{rng.randint(60, 85)}%提升到{rng.randint(86, 99)}%，"
                    f"{pick(PRAISE)}；", 1, 2) + f"围绕《{title}》的各项任务均按期完成。",
    }


# Shares of chains whose report is a copy: of another unit's report of the same year (names
# and a figure changed), and of the unit's own report of the year before.
COPY_SHARE = 0.01
OWN_REUSE_SHARE = 0.02


def _copied(report, own_name, other_name, rng):
    out = {k: v.replace(other_name, own_name) for k, v in report.items()}
    out["data"] = out["data"].replace("累计", f"累计约{rng.randint(1, 9)}", 1)
    return out


# Word lists a copier swaps a word within (one topic for another, one means for another).
_SWAPPABLE = (LEADS, ROLES, OFFICES, DUTIES, DOCS, MEETINGS, ACTIONS, TOPICS, PLACES, MEANS,
              EFFECTS, PRAISE)


def reworded(report, own_name, other_name, rng, changes=4):
    """Another unit's report copied as a copier does it: the other unit's name replaced by
    one's own, a figure changed and `changes` words swapped for others of the same kind."""
    out = _copied(report, own_name, other_name, rng)
    for _ in range(changes):
        key = rng.choice(list(out))
        present = [(w, words) for words in _SWAPPABLE for w in words if w in out[key]]
        if present:
            word, words = rng.choice(present)
            out[key] = out[key].replace(word, rng.choice([w for w in words if w != word]), 1)
    return out


def rewritten(report, own_name, other_name, title, year, rng):
    """A report written after reading another's (not a copy): the responsibility element
    taken over reworded, the other four written anew."""
    out = report_for(rng, own_name, title, year)
    out["responsibility"] = reworded(report, own_name, other_name, rng)["responsibility"]
    return out


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
    names = [f.attname for f in fields]
    with copy_into(model, [f.column for f in fields]) as copy:
        for obj in objs:
            row = [getattr(obj, n) for n in names]
            copy.write_row([v.name or "" if isinstance(v, FieldFile) else v for v in row])


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
    names = {u.pk: u.name for u in city.departments + city.streets}
    result = []
    by_year, by_unit_year = {}, {}
    for req, unit, status, versions in chains:
        region = req.region_id
        earlier = by_year.get(req.year, [])
        last_own = by_unit_year.get((unit, req.year - 1))
        roll = rng.random()
        if roll < COPY_SHARE and earlier:
            other_unit, source = earlier[rng.randrange(len(earlier))]
            report = _copied(source, names.get(unit, ""), names.get(other_unit, ""), rng) \
                if other_unit != unit else dict(source)
        elif roll < COPY_SHARE + OWN_REUSE_SHARE and last_own:
            report = dict(last_own)
        else:
            report = report_for(rng, names.get(unit, ""), req.title, req.year)
        by_year.setdefault(req.year, []).append((unit, report))
        by_unit_year[(unit, req.year)] = report
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
                status=state, report=dict(report) if rng.random() < 0.9 or state != S.DRAFT
                else {"responsibility": report["responsibility"]},
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
                                        action=LedgerEvent.Action.CREATE, to_status=S.DRAFT, comment="第1版",
                                        created=sub.created))
            else:
                rows.append(LedgerEvent(
                    submission_id=sub.pk, actor_id=sub.created_by_id, action=LedgerEvent.Action.NEW_VERSION,
                    to_status=S.DRAFT, comment=f"根据退回意见重新填报，第{sub.version}版",
                    created=sub.created))
            if sub.signed_at:
                rows.append(LedgerEvent(submission_id=sub.pk, actor_id=sub.signed_by_id,
                                        action=LedgerEvent.Action.SIGN, from_status=S.DRAFT,
                                        to_status=S.SIGNED, created=sub.signed_at))
            if sub.reviewed_at:
                returned = sub.status == S.RETURNED
                rows.append(LedgerEvent(
                    submission_id=sub.pk, actor_id=sub.reviewed_by_id,
                    action=LedgerEvent.Action.RETURN if returned else LedgerEvent.Action.APPROVE, from_status=S.SIGNED,
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
        for photo, pk in zip(photos, reserve_ids(LedgerPhoto, len(photos)), strict=True):
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
