"""Demo data of the issues app: the issue categories, the 2026 holiday calendar with its
adjusted working weekends (调休), and about 120 issues at the demo points in every state,
each moved through the workflow services so that its timeline is real, with small drawn
photos (before; after once rectified) whose thumbnails and display copies exist at once."""

import datetime as dt
import io
import random

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Role, User
from points.demo import tiny_photo
from points.models import Inspection, Point
from points.services import inspection_create

from . import deadlines, services
from .models import Holiday, Issue, IssueCategory, IssueEvent, IssuePhoto, Severity, Source
from .tasks import process_issue_photo

HOURS = IssueCategory.DeadlineUnit.HOURS
DAYS = IssueCategory.DeadlineUnit.WORKING_DAYS
# name, deadline, unit, severity, usual department (None: the point's own department)
CATEGORIES = [
    ("乱停乱放", 24, HOURS, Severity.MINOR, "公安分局交警大队"),
    ("飞线充电", 24, HOURS, Severity.SEVERE, "区住建局"),
    ("小广告/牛皮癣", 2, DAYS, Severity.MINOR, "区城管局"),
    ("路面破损", 5, DAYS, Severity.MAJOR, "区住建局"),
    ("公益广告破损", 3, DAYS, Severity.MINOR, None),
    ("卫生死角", 2, DAYS, Severity.MINOR, None),
    ("占道经营", 1, DAYS, Severity.MINOR, "区城管局"),
    ("垃圾清运不及时", 12, HOURS, Severity.MAJOR, "区城管局"),
    ("乱堆乱放", 2, DAYS, Severity.MINOR, None),
    ("无障碍设施损坏", 5, DAYS, Severity.MAJOR, None),
    ("“四牌一图”缺失", 3, DAYS, Severity.MINOR, "区市场监管局"),
    ("楼道堆物堵塞消防通道", 1, DAYS, Severity.SEVERE, None),
    ("其他问题", 3, DAYS, Severity.MINOR, None),
]
DESCRIPTIONS = {
    "乱停乱放": ["人行道上多辆电动车乱停乱放，占用盲道", "机动车压线停放，阻挡出入口"],
    "飞线充电": ["3号楼二单元窗口飞线给电动车充电", "楼道内私拉电线充电"],
    "小广告/牛皮癣": ["电线杆、墙面张贴小广告十余处", "公交站亭贴满办证小广告"],
    "路面破损": ["人行道地砖松动破损约1平方米", "路面坑洼积水，行人绕行"],
    "公益广告破损": ["围挡公益广告褪色破损", "社会主义核心价值观宣传牌缺字"],
    "卫生死角": ["楼栋背后堆积生活垃圾，有异味", "绿化带内塑料袋、烟头较多"],
    "占道经营": ["水果摊占用人行道经营", "早餐店店外摆放桌椅"],
    "垃圾清运不及时": ["垃圾箱满溢未清运", "建筑垃圾堆放三天未清运"],
    "乱堆乱放": ["门店杂物堆放在店门口", "废旧家具堆放在小区道路旁"],
    "无障碍设施损坏": ["盲道被井盖截断", "无障碍坡道扶手损坏"],
    "“四牌一图”缺失": ["市场入口缺少摊位分布图", "部分摊位未公示价格"],
    "楼道堆物堵塞消防通道": ["楼道内堆放纸箱、旧沙发，堵塞消防通道", "消防通道被杂物占用"],
    "其他问题": ["志愿服务站无人值守", "宣传栏内容过期未更新"],
}

# 2026 public holidays of China and the adjusted working weekends (国务院办公厅通知).
HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
WORKDAYS_2026 = [
    ("2026-01-04", "元旦调休上班"), ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"), ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"), ("2026-10-10", "国庆节调休上班"),
]

# How many demo issues end in each state (120 in all).
PLAN = (
    ["new"] * 14 + ["assigned"] * 16 + ["overdue"] * 14 + ["due_soon"] * 10
    + ["submitted"] * 14 + ["disputed"] * 6 + ["closed"] * 34 + ["rejected_closed"] * 4
    + ["relapse"] * 8
)
# Days ago each relapse came back, one per relapse of PLAN.
RELAPSE_AGES = (1, 2, 4, 9, 15, 22, 33, 50)
SOURCES = [Source.DAILY, Source.DAILY, Source.UNDERCOVER, Source.MOCK, Source.CITIZEN,
           Source.HOTLINE, Source.DAILY, Source.PROVINCIAL]


def seed_categories(units=None):
    """The issue categories (idempotent by name)."""
    units = units or {}
    for order, (name, value, unit, severity, dept) in enumerate(CATEGORIES, start=1):
        IssueCategory.objects.get_or_create(name=name, defaults={
            "deadline_value": value, "deadline_unit": unit, "severity": severity,
            "suggested_unit": units.get(dept) if dept else None, "order": order,
        })


def seed_holidays():
    """The 2026 calendar: public holidays and 调休 working weekends (idempotent by date)."""
    for start, end, name in HOLIDAYS_2026:
        day, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        while day <= last:
            Holiday.objects.get_or_create(date=day, defaults={"name": name, "is_workday": False})
            day += dt.timedelta(days=1)
    for day, name in WORKDAYS_2026:
        Holiday.objects.get_or_create(date=dt.date.fromisoformat(day),
                                      defaults={"name": name, "is_workday": True})


def draw_photo(seed, *, after=False, name="photo.jpg"):
    """A small real JPEG: a street scene cluttered with the defect (before) or a tidy one
    (after). Different seeds give different perceptual hashes."""
    rng = random.Random(seed * 7919 + (1 if after else 0))
    img = Image.new("RGB", (480, 360), (150, 190, 225))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 200, 480, 360], fill=(120, 120, 115) if not after else (170, 170, 165))
    for x in range(0, 480, rng.randint(60, 110)):  # buildings
        h = rng.randint(60, 170)
        draw.rectangle([x, 200 - h, x + 50, 200], fill=(rng.randint(140, 220), 150, 130))
    if after:
        draw.line([0, 250, 480, 250], fill=(240, 240, 240), width=4)
        for x in range(30, 480, 90):
            draw.ellipse([x, 150, x + 40, 200], fill=(60, 150, 70))
    else:
        for _ in range(14):
            x, y = rng.randint(0, 440), rng.randint(190, 330)
            colour = (rng.randint(0, 255), rng.randint(0, 120), rng.randint(0, 255))
            if rng.random() < 0.5:
                draw.rectangle([x, y, x + rng.randint(15, 60), y + rng.randint(10, 35)],
                               fill=colour)
            else:
                draw.ellipse([x, y, x + rng.randint(15, 50), y + rng.randint(15, 40)],
                             fill=colour)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _unit_liaisons(city, units):
    """A liaison for every unit issues go to: the demo accounts where they exist, a named
    staff member (no password) for the others."""
    liaisons = {city.users["liaison"].unit_id: city.users["liaison"],
                city.users["liaison2"].unit_id: city.users["liaison2"],
                city.users["pointchief"].unit_id: city.users["pointchief"]}
    for unit in units:
        if unit.pk not in liaisons:
            liaisons[unit.pk], _ = User.objects.get_or_create(
                username=f"demo-liaison-{unit.name_initials or unit.pk}-{unit.pk}",
                defaults={"unit": unit, "role": Role.LIAISON, "full_name": f"{unit.name}联络员",
                          "password": make_password(None)})
    return liaisons


def _process(issue):
    for pk in IssuePhoto.objects.filter(issue=issue, processed_at__isnull=True).values_list(
            "pk", flat=True):
        process_issue_photo(pk)


def backdate(issue, found, finished=None):
    """Spread the issue's timeline between when it was found and `finished` (or now)."""
    events = list(issue.events.order_by("id").values_list("pk", flat=True))
    end = finished or timezone.now() - dt.timedelta(minutes=5)
    step = (end - found) / max(len(events), 1)
    for n, pk in enumerate(events):
        IssueEvent.objects.filter(pk=pk).update(created=found + step * n)
    Issue.objects.filter(pk=issue.pk).update(created=found)
    if issue.status == Issue.Status.CLOSED:
        Issue.objects.filter(pk=issue.pk).update(closed_at=found + step * (len(events) - 1))
    IssuePhoto.objects.filter(issue=issue).update(created=found)


def _day_end(moment):
    """Deadlines as the office sets them: 23:59:59 local time on the last day."""
    return deadlines.end_of_day(deadlines.local_date(moment))


def seed(city):
    """Categories, the 2026 calendar and ~120 issues (skipped if the district has issues)."""
    seed_categories(city.units)
    seed_holidays()
    if Issue.objects.filter(region=city.district).exists():
        return
    rng = random.Random(4)
    now = timezone.now()
    office, inspector = city.users["office"], city.users["inspector"]
    categories = list(IssueCategory.objects.filter(is_active=True))
    points = list(Point.objects.filter(territorial_unit__path__startswith=city.district.path,
                                       is_active=True)
                  .select_related("territorial_unit", "supervising_unit").order_by("pk"))
    if not points:
        return
    happy = [p for p in points if p.territorial_unit.name == "幸福社区"]
    streets = {s.path: s for s in city.streets()}
    choices = [city.units["区城管局"], city.units["区住建局"]]
    liaisons = _unit_liaisons(city, city.departments() + city.streets()
                              + [city.units["幸福社区"]])
    relapses = 0
    for n, plan in enumerate(PLAN):
        point = happy[n % len(happy)] if happy and n % 6 == 0 else points[rng.randrange(len(points))]
        category = categories[n % len(categories)]
        street = next((s for path, s in streets.items()
                       if point.territorial_unit.path.startswith(path)), None)
        pick = n % 5
        if point in happy and n % 12 == 0:
            unit = city.units["幸福社区"]
        elif pick < 2:
            unit = choices[pick]
        elif pick == 2 and street is not None:
            unit = street
        else:
            unit = services.suggest_unit(point=point, category=category) or choices[0]
        if unit.pk not in liaisons:
            unit = choices[n % 2]
        # The demo's story: the streets let their back-street issues run late, 西关街道 most
        # (it is summoned, dashboard.demo), while the bureaus close theirs on time.
        laggard = city.units.get("西关街道" if n % 4 else "北山镇")
        if plan == "overdue" and laggard is not None and laggard.pk in liaisons:
            unit = laggard
        age = {"new": rng.randint(0, 3), "due_soon": rng.randint(1, 4),
               "overdue": rng.randint(6, 25)}.get(plan, rng.randint(3, 80))
        if plan in ("closed", "rejected_closed") and n % 3 == 0:
            age = rng.randint(1, 5)  # a third of the closes fall in the last few days
        if plan == "relapse":
            reopened = now - dt.timedelta(days=RELAPSE_AGES[relapses % len(RELAPSE_AGES)])
            relapses += 1
            age = (now - reopened).days + rng.randint(8, 30)
        found = now - dt.timedelta(days=age, hours=rng.randint(1, 9))
        issue = services.issue_file(
            by=inspector if n % 3 else office, category=category, point=point,
            description=rng.choice(DESCRIPTIONS.get(category.name, ["现场发现问题"])),
            source=SOURCES[n % len(SOURCES)], photos=[draw_photo(n, name=f"现场{n}.jpg")],
        )
        _process(issue)
        if plan != "new":
            if plan == "overdue":
                deadline = _day_end(now - dt.timedelta(days=rng.randint(1, 5)))
            elif plan == "due_soon":
                deadline = _day_end(now + dt.timedelta(days=rng.randint(0, 2)))
            else:
                deadline = _day_end(max(found + dt.timedelta(days=5),
                                        now + dt.timedelta(days=4)))
            services.issue_assign(issue=issue, by=office, responsible_unit=unit,
                                  deadline=deadline, now=found)
        actor = liaisons[unit.pk]
        if plan == "disputed":
            services.issue_dispute(issue=issue, by=actor,
                                   reason="该路段属住建部门管理范围，非我单位职责，请改派。")
        if plan in ("submitted", "closed", "rejected_closed", "relapse"):
            services.issue_submit(issue=issue, by=actor, note="已安排人员现场整改完毕。",
                                  photos=[draw_photo(n, after=True, name=f"整改后{n}.jpg")])
            _process(issue)
        if plan == "rejected_closed":
            services.issue_reject(issue=issue, by=inspector,
                                  reason="整改不彻底，现场仍有残留，请重新整改。")
            services.issue_submit(issue=issue, by=actor, note="已再次清理，并安排专人巡查。",
                                  photos=[draw_photo(n + 1000, after=True, name=f"复改{n}.jpg")])
            _process(issue)
        if plan in ("closed", "rejected_closed", "relapse"):
            services.issue_approve(issue=issue, by=inspector if n % 2 else office,
                                   reason="现场复核，整改到位。")
        finished = None
        if plan in ("closed", "rejected_closed"):
            finished = min(found + dt.timedelta(days=rng.randint(1, 6)),
                           now - dt.timedelta(minutes=5))
        if plan == "relapse":
            finished = found + dt.timedelta(days=rng.randint(2, 5))
        issue.refresh_from_db()
        backdate(issue, found, finished)
        if plan == "relapse":
            _relapse(issue, by=inspector, liaison=actor, reopened=reopened, seed=n, now=now)


def _relapse(issue, *, by, liaison, reopened, seed, now):
    """A closed issue came back at `reopened` with five days to rectify it again; one that
    came back more than a week ago has been rectified and closed again since."""
    deadline = _day_end(reopened + dt.timedelta(days=5))
    services.issue_reopen(issue=issue, by=by, reason="复查发现问题反弹。", deadline=deadline,
                          now=reopened)
    moments = [reopened]
    if now - reopened > dt.timedelta(days=7):
        services.issue_submit(issue=issue, by=liaison, note="已重新整改，并纳入日常巡查。",
                              photos=[draw_photo(seed + 2000, after=True,
                                                 name=f"再次整改{seed}.jpg")])
        _process(issue)
        services.issue_approve(issue=issue, by=by, reason="复查合格，再次销号。")
        moments += [reopened + dt.timedelta(days=2), reopened + dt.timedelta(days=3)]
        Issue.objects.filter(pk=issue.pk).update(closed_at=moments[-1])
    events = issue.events.filter(kind__in=[IssueEvent.Kind.REOPEN, IssueEvent.Kind.SUBMIT,
                                           IssueEvent.Kind.APPROVE]).order_by("-id")
    latest = list(events.values_list("pk", flat=True)[:len(moments)])
    for pk, moment in zip(reversed(latest), moments, strict=True):
        IssueEvent.objects.filter(pk=pk).update(created=moment)


def seed_inspections(city):
    """A dozen inspections with failed items, after the issue categories exist (seed_demo runs
    this after issues.demo), so each failed item becomes an issue at its point. Skipped when
    the district already has inspections."""
    if Inspection.objects.filter(
            point__territorial_unit__path__startswith=city.district.path).exists():
        return
    points = list(Point.objects.filter(territorial_unit__path__startswith=city.district.path)
                  .select_related("category").order_by("pk")[:12])
    inspector = city.users["inspector"]
    # The verdicts go by each point's place in the list, not its id, so the demo reads the
    # same whatever ids the database hands out.
    for place, point in enumerate(points, start=1):
        items = list(point.category.check_items.all())
        results = []
        for j, item in enumerate(items):
            verdict = "pass" if (j + place) % 4 else ("severe" if j % 2 else "fail")
            results.append({"check_item": item, "verdict": verdict, "note": "",
                            "photo": tiny_photo() if verdict != "pass" else None})
        inspection_create(point=point, by=inspector, results=results, notes="模拟测评督查")
    # The demo has no worker yet: process the before-photos of the issues just filed.
    for pk in IssuePhoto.objects.filter(processed_at__isnull=True,
                                        issue__point__in=points).values_list("pk", flat=True):
        process_issue_photo(pk)
