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


# What inspectors write about each category: things and defects. A generated
# description draws from its own category's words and, as real notes do, now and then from
# another category's (a 乱堆乱放 note that mentions the 消防通道).
VOCABULARY = {
    "乱停乱放": ("电动车 自行车 共享单车 机动车 三轮车 摩托车",
                 "乱停乱放 压线停放 占用盲道 停放无序 堵塞出入口 横七竖八停放 逆向停放"),
    "飞线充电": ("电线 插线板 电动车电瓶 充电器 楼道 窗口",
                 "飞线充电 私拉电线 从窗口拉线充电 楼道内充电 违规充电 电线垂挂"),
    "小广告/牛皮癣": ("电线杆 墙面 公交站亭 楼道墙壁 配电箱 单元门",
                      "张贴小广告 乱涂乱画 办证广告 喷涂电话号码 牛皮癣 野广告未清理"),
    "路面破损": ("人行道 地砖 路面 井盖 沥青 路沿石",
                 "破损 松动 坑洼 塌陷 积水 开裂 凹凸不平 缺失"),
    "公益广告破损": ("公益广告 宣传牌 围挡 核心价值观标语 讲文明树新风 宣传画",
                     "褪色 破损 缺字 倒塌 内容陈旧 脱落 被遮挡"),
    "卫生死角": ("绿化带 楼栋背后 角落 排水沟 空地 墙根",
                 "垃圾堆积 有异味 烟头纸屑 塑料袋 蚊蝇滋生 卫生死角 积存污物"),
    "占道经营": ("水果摊 早餐店 小吃摊 菜摊 烧烤摊 门店",
                 "占道经营 出店经营 摆摊设点 店外摆放桌椅 流动摊贩 占用人行道经营"),
    "垃圾清运不及时": ("垃圾箱 垃圾桶 垃圾站 建筑垃圾 生活垃圾 分类垃圾桶",
                       "满溢 未清运 清运不及时 堆放多日 外溢 散落 桶身脏污"),
    "乱堆乱放": ("杂物 废旧家具 纸箱 建材 花盆 旧家电",
                 "乱堆乱放 堆放在门口 堆放在道路旁 堆积 占用公共空间 随意堆放"),
    "无障碍设施损坏": ("盲道 无障碍坡道 扶手 无障碍卫生间 提示砖 无障碍通道",
                       "被截断 损坏 被占用 缺失 不连续 设置不规范 被井盖截断"),
    "“四牌一图”缺失": ("摊位分布图 价格公示牌 服务承诺牌 投诉电话牌 营业执照 市场入口",
                       "缺失 未公示 未张贴 信息不全 内容过期 未更新"),
    "楼道堆物堵塞消防通道": ("消防通道 楼道 安全出口 疏散通道 消防栓 楼梯间",
                             "堵塞 堆放杂物 被占用 旧沙发 自行车堆放 通道不畅"),
    "其他问题": ("志愿服务站 宣传栏 文明劝导岗 便民服务点 健身器材 路灯",
                 "无人值守 内容过期 未开放 设施老化 不亮 缺少标识"),
}
# Categories an inspector can confuse share words: the same things turn up in both (a
# 电动车 is parked badly or charged from a window; 杂物 are heaped on a street or in a
# stairwell), so the words alone do not always tell them apart.
RELATED = {
    ("乱停乱放", "楼道堆物堵塞消防通道"): "电动车 自行车 楼道 占用",
    ("乱停乱放", "飞线充电"): "电动车 楼道 电瓶",
    ("乱堆乱放", "楼道堆物堵塞消防通道"): "杂物 堆放 废旧家具 占用",
    ("乱堆乱放", "占道经营"): "占用人行道 门口 摆放",
    ("卫生死角", "垃圾清运不及时"): "垃圾 有异味 堆积 脏污",
    ("路面破损", "无障碍设施损坏"): "破损 缺失 盲道 地砖 提示砖",
    ("小广告/牛皮癣", "公益广告破损"): "墙面 广告 宣传栏 脱落",
    ("公益广告破损", "其他问题"): "宣传栏 内容过期 老化",
    ("“四牌一图”缺失", "占道经营"): "市场 摊位 门店",
}
PLACES = ("小区门口", "主干道旁", "背街小巷", "农贸市场", "学校周边", "医院门口", "公交站",
          "广场", "居民楼下", "商业街", "公园入口", "老旧小区")
FILLERS = ("现场发现", "巡查中发现", "群众反映", "暗访发现", "经核实", "请尽快处理", "影响市容",
           "多次出现", "需限期整改", "存在安全隐患", "")
# Notes that say little: a place and a complaint that fits any category.
VAGUE = ("有问题", "不文明现象", "脏乱差", "需整改", "设施有问题", "群众有意见", "情况较多",
         "环境较差", "存在隐患", "管理不到位")
# Characters a phone's pinyin input mistakes for others of the same sound.
HOMOPHONES = dict(zip("停放电线堆圾破损道占营充告缺清运乱车",
                      "亭访点现对极坡顺到站赢冲靠却青云峦扯", strict=True))


def _words(category_name):
    """(things, defects) of a category: its own and those it shares with related ones."""
    things, defects = VOCABULARY.get(category_name, VOCABULARY["其他问题"])
    things = things.split()
    for pair, shared in RELATED.items():
        if category_name in pair:
            things += shared.split()
    return things, defects.split()


def _neighbour(rng, category_name):
    """Another category, a related one more often than not."""
    related = [b if a == category_name else a for a, b in RELATED if category_name in (a, b)]
    if related and rng.random() < 0.6:
        return rng.choice(related)
    return rng.choice([n for n in VOCABULARY if n != category_name])


def _typo(rng, text):
    """One slip typed on a phone: a dropped character, two swapped, or a homophone."""
    cut = rng.randrange(len(text) - 1)
    kind = rng.random()
    if kind < 0.35:
        return text[:cut] + text[cut + 1:]
    if kind < 0.6:
        return text[:cut] + text[cut + 1] + text[cut] + text[cut + 2:]
    spots = [i for i, ch in enumerate(text) if ch in HOMOPHONES]
    if not spots:
        return text[:cut] + text[cut + 1:]
    i = rng.choice(spots)
    return text[:i] + HOMOPHONES[text[i]] + text[i + 1:]


def describe(rng, category_name):
    """An inspector's note about a finding of `category_name`, with the noise real notes
    have: a place, one or two of the category's things and defects (some shared with related
    categories); about one in eight vague (a complaint that fits any category, half of them
    with one word of the category); about a fifth also naming another category's thing and
    defect (a 乱堆乱放 note that mentions the 消防通道); filler words; and a typo in about a
    quarter (dropped, swapped or homophone characters)."""
    things, defects = _words(category_name)
    place = f"{rng.randint(1, 60)}号{rng.choice(PLACES)}"
    if rng.random() < 0.12:
        parts = [rng.choice(FILLERS), place, rng.choice(VAGUE)]
        if rng.random() < 0.5:
            parts.insert(2, rng.choice(things + defects))
    else:
        parts = [rng.choice(FILLERS), place, rng.choice(things), rng.choice(defects)]
        if rng.random() < 0.4:
            parts += [rng.choice(things), rng.choice(defects)]
        if rng.random() < 0.2:
            other_things, other_defects = _words(_neighbour(rng, category_name))
            at = rng.randrange(1, len(parts) + 1)
            parts[at:at] = [rng.choice(other_things), rng.choice(other_defects)]
        parts.append(rng.choice(FILLERS))
    text = "，".join(p for p in parts if p)
    if rng.random() < 0.25 and len(text) > 6:
        text = _typo(rng, text)
    return text


def _region_id(region_path):
    return int(region_path.strip("/").split("/")[-1])


def _category_index(rng, count):
    """Categories are not equally common: the first few (乱停乱放, 飞线充电, 小广告…) come
    up most, as in a real city, so a majority-class guess is a fair baseline to beat."""
    return min(int(rng.expovariate(1 / (count / 3))), count - 1)


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
    categories = list(IssueCategory.objects.values_list("pk", "name"))
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
        category_id, category_name = categories[_category_index(rng, len(categories))]
        issue = Issue(
            point_id=point_id, category_id=category_id,
            source=sources[rng.randrange(len(sources))],
            severity=severities[rng.randrange(len(severities))],
            description=describe(rng, category_name),
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
