"""Demo data of the points app: the 39 categories with checklists, a framework edition, about
200 points of 城关区 around 张掖 (lng 100.45, lat 38.93), key-point circles and a few
inspections; and the bulk generator for the benchmark city."""

import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import pinyin_initials

from .models import (
    CheckItem,
    Framework,
    FrameworkItem,
    Point,
    PointCategory,
    PointCircle,
)
from .services import circle_compute

GENERIC_CHECKS = [
    ("环境卫生整洁，无垃圾杂物堆放、无卫生死角", ""),
    ("社会主义核心价值观和公益广告宣传醒目、无破损", ""),
    ("无乱贴乱画、乱拉乱挂，无占道经营", ""),
]
# category → its own field standards (text, score, 严重不合格 hint); generic ones are added.
CATEGORIES = {
    "居住小区/社区": [("小区内无私搭乱建、无飞线充电", 2, "楼道内电动车充电"),
                      ("垃圾分类设施齐全、定时清运", 2, "")],
    "农贸市场": [("“四牌一图”（营业执照、健康证、价格公示牌、投诉电话牌、摊位分布图）齐全", 3, ""),
                 ("划行归市，无店外经营、无活禽宰杀", 2, "市场内现场宰杀活禽"),
                 ("公平秤设置并有效使用", 1, "")],
    "背街小巷": [("路面平整，无坑洼积水", 2, "路面破损面积超过0.25㎡"),
                 ("无私搭乱建、无乱堆乱放", 2, "")],
    "主次干道": [("路面无破损，破损面积超过0.25㎡扣分", 3, "路面破损面积超过1㎡"),
                 ("交通标志、标线清晰完好", 2, ""),
                 ("机动车、非机动车停放有序", 2, "机动车占用盲道或人行道停放")],
    "公共厕所": [("有专人管理，无明显异味", 2, "厕所关闭或无法使用"),
                 ("设施完好，有无障碍设施", 2, "")],
    "医院": [("设置导医服务台和志愿服务站", 2, ""), ("无障碍设施完好、标识清楚", 2, "")],
    "学校周边": [("校园周边200米内无网吧、无游商", 3, "校门口设有网吧或歌舞娱乐场所"),
                 ("上下学时段有护学岗", 2, "")],
    "公交站点": [("站牌信息清晰，站亭整洁", 2, ""), ("候车秩序良好", 1, "")],
    "汽车站/火车站": [("设置志愿服务站，服务人员在岗", 2, ""), ("公益广告占比不少于10%", 2, "")],
    "公园广场": [("设施完好、绿化整洁", 2, ""), ("无不文明行为（践踏草坪、随地吐痰）", 2, "")],
    "商业大街": [("门店“门前三包”责任落实", 2, ""), ("店招店牌规范，无违规广告", 2, "")],
    "大型商场超市": [("设置母婴室和无障碍通道", 2, ""), ("明码标价，无价格欺诈", 2, "")],
    "宾馆饭店": [("“光盘行动”宣传到位", 2, ""), ("后厨卫生符合要求", 2, "")],
    "建筑工地": [("围挡完好，公益广告覆盖", 2, ""), ("扬尘治理“六个百分之百”落实", 3, "裸土未覆盖")],
    "政务服务中心": [("窗口服务规范、一次性告知", 2, ""), ("设置便民服务设施", 1, "")],
    "新时代文明实践中心(所/站)": [("有场所、有队伍、有活动、有制度", 3, "场所挂牌无活动"),
                                  ("活动台账完整", 2, "")],
    "城中村": [("无违章建筑、无散养家禽", 2, ""), ("垃圾收集设施齐全", 2, "")],
    "老旧小区": [("道路硬化、路灯完好", 2, ""), ("楼道无堆放杂物", 2, "楼道堵塞消防通道")],
    "图书馆": [("免费开放并公示开放时间", 2, ""), ("设置无障碍阅览设施", 1, "")],
    "文化馆": [("免费开放，开展群众性文化活动", 2, "")],
    "体育场馆": [("免费或低收费开放", 2, ""), ("设施完好、安全标识清晰", 2, "")],
    "景区": [("游客文明旅游宣传到位", 2, ""), ("厕所、标识等设施完好", 2, "")],
}
MORE = ["城乡结合部", "出租车", "公交车", "网吧", "歌舞娱乐场所", "银行营业网点", "加油站",
        "餐饮店", "学校", "幼儿园", "未成年人活动场所", "博物馆/纪念馆", "志愿服务站", "道德讲堂",
        "停车场", "河湖水系", "机关单位"]
# Departments answering for each kind of point (the rest fall to 区城管局).
SUPERVISORS = {
    "农贸市场": "区市场监管局", "大型商场超市": "区市场监管局", "餐饮店": "区市场监管局",
    "宾馆饭店": "区商务局", "医院": "区卫健局", "学校周边": "区教育局", "学校": "区教育局",
    "幼儿园": "区教育局", "公交站点": "区交通运输局", "汽车站/火车站": "区交通运输局",
    "出租车": "区交通运输局", "公交车": "区交通运输局", "建筑工地": "区住建局", "老旧小区": "区住建局",
    "居住小区/社区": "区住建局", "图书馆": "区文旅局", "文化馆": "区文旅局", "景区": "区文旅局",
    "博物馆/纪念馆": "区文旅局", "网吧": "区文旅局", "歌舞娱乐场所": "区文旅局",
    "河湖水系": "区生态环境分局", "新时代文明实践中心(所/站)": "区民政局",
}
FRAMEWORK = [
    ("理想信念教育", ["理论武装", "党史学习教育", "意识形态工作"]),
    ("社会主义核心价值观", ["宣传教育", "融入法治建设", "融入社会发展"]),
    ("思想道德建设", ["公民道德建设", "道德模范学习宣传", "移风易俗"]),
    ("诚信建设", ["政务诚信", "商务诚信", "社会诚信"]),
    ("法治环境", ["法治宣传教育", "社会治安", "公共安全"]),
    ("未成年人思想道德建设", ["学校德育", "校外教育", "网络环境"]),
    ("公共文化服务", ["公共文化设施", "群众文化活动", "文明旅游"]),
    ("城市人居环境", ["市容市貌", "交通秩序", "生态环境"]),
    ("常态长效创建", ["组织领导", "群众参与", "创建成效"]),
]
METHODS = [(True, False, False), (False, True, False), (True, True, False), (False, True, True)]
CENTRE = (Decimal("38.9330"), Decimal("100.4550"))  # lat, lng of 张掖 city centre


def _all_category_names():
    return list(CATEGORIES) + MORE


def seed_categories():
    """The 39 categories and their checklists (idempotent by name)."""
    for order, name in enumerate(_all_category_names(), start=1):
        category, created = PointCategory.objects.get_or_create(
            name=name, defaults={"order": order, "code": f"C{order:02d}"})
        if created or not category.check_items.exists():
            items = [(t, s, h) for t, s, h in CATEGORIES.get(name, [])]
            items += [(t, 1, h) for t, h in GENERIC_CHECKS]
            CheckItem.objects.bulk_create([
                CheckItem(category=category, text=t, score=Decimal(s), severe_hint=h, order=i)
                for i, (t, s, h) in enumerate(items, start=1)
            ])


def seed_framework():
    if Framework.objects.filter(name="全国文明城市测评体系").exists():
        return
    framework = Framework.objects.create(name="全国文明城市测评体系", edition="2022年版（地级以上城市）",
                                         year=2022, is_current=True)
    order = 0
    for p, (project, contents) in enumerate(FRAMEWORK, start=1):
        order += 1
        parent = FrameworkItem.objects.create(framework=framework, level="project", code=str(p),
                                              title=project, order=order)
        for c, content in enumerate(contents, start=1):
            order += 1
            node = FrameworkItem.objects.create(framework=framework, parent=parent,
                                                level="content", code=f"{p}.{c}", title=content,
                                                order=order)
            for s in (1, 2):
                order += 1
                online, field, survey = METHODS[(p + c + s) % len(METHODS)]
                FrameworkItem.objects.create(
                    framework=framework, parent=node, level="standard", code=f"{p}.{c}.{s}",
                    title=f"{content}（{'制度建设' if s == 1 else '工作成效'}）",
                    text=f"{content}{'制度健全、责任明确，有专门机构和人员负责' if s == 1 else '工作扎实有效，群众知晓率和满意度高'}。",
                    method_online=online, method_field=field, method_survey=survey,
                    score=Decimal("1.5") if s == 1 else Decimal("2"), order=order,
                )


def tiny_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed(city):
    """Categories, framework, ~200 points and circles (skips what exists); inspections come
    later, from issues.demo.seed_inspections."""
    seed_categories()
    seed_framework()
    if Point.objects.filter(territorial_unit__path__startswith=city.district.path).exists():
        return
    rng = random.Random(3)
    categories = list(PointCategory.objects.all())
    communities = city.communities()
    streets = city.streets()
    chief = city.users["pointchief"]
    # Points gather around a dozen neighbourhood centres, so circles have members.
    centres = [(CENTRE[0] + Decimal(rng.uniform(-0.02, 0.02)).quantize(Decimal("0.000001")),
                CENTRE[1] + Decimal(rng.uniform(-0.03, 0.03)).quantize(Decimal("0.000001")))
               for _ in range(12)]
    points = []
    for i in range(200):
        category = categories[i % len(categories)]
        lat, lng = centres[i % len(centres)]
        territorial = communities[i % len(communities)] if i % 3 else streets[i % len(streets)]
        supervisor = city.units[SUPERVISORS.get(category.name, "区城管局")]
        name = f"{territorial.name}{category.name.split('/')[0].split('(')[0]}{i // len(categories) + 1}号"
        points.append(Point(
            name=name, name_initials=pinyin_initials(name), category=category,
            address=f"{territorial.name}{rng.randint(1, 200)}号",
            latitude=lat + Decimal(rng.uniform(-0.003, 0.003)).quantize(Decimal("0.000001")),
            longitude=lng + Decimal(rng.uniform(-0.004, 0.004)).quantize(Decimal("0.000001")),
            territorial_unit=territorial, supervising_unit=supervisor,
            chief=chief if territorial.name == "幸福社区" else None,
            kind=Point.Kind.RANDOM if i % 5 == 0 else Point.Kind.FIXED,
            is_active=i % 37 != 0,
        ))
    points = Point.objects.bulk_create(points)
    departments = city.departments()
    for i, point in enumerate(points):
        point.partner_units.add(departments[(i + 3) % len(departments)])
    by_name = {c.name: c for c in categories}
    cores = [p for p in points if p.category.name in ("农贸市场", "居住小区/社区", "学校周边")][:6]
    for n, core in enumerate(cores):
        circle = PointCircle.objects.create(core=core, name=f"{core.name}重点点位圈")
        if n % 2:  # every other circle takes all categories, the rest the street-side ones
            circle_compute(circle=circle)
            continue
        circle.categories.set([by_name[n] for n in ("背街小巷", "主次干道", "公共厕所", "公交站点",
                                                     "商业大街", "餐饮店", "停车场", "老旧小区")])
        circle_compute(circle=circle)


def generate(city):
    """5,000 points (city scale; 500 small) in the 39 categories around one centre, bulk."""
    seed_categories()
    rng = city.rng
    count = 5000 if city.scale == "city" else 500
    categories = list(PointCategory.objects.all())
    territorial = city.communities + city.streets
    departments = city.departments
    points = []
    for i in range(count):
        category = categories[i % len(categories)]
        unit = territorial[rng.randrange(len(territorial))]
        name = f"{unit.name}{category.name.split('/')[0].split('(')[0]}{i}"
        points.append(Point(
            name=name, name_initials=pinyin_initials(name), category=category,
            latitude=CENTRE[0] + Decimal(rng.uniform(-0.08, 0.08)).quantize(Decimal("0.000001")),
            longitude=CENTRE[1] + Decimal(rng.uniform(-0.1, 0.1)).quantize(Decimal("0.000001")),
            territorial_unit=unit, supervising_unit=departments[i % len(departments)],
            kind=Point.Kind.RANDOM if i % 5 == 0 else Point.Kind.FIXED,
        ))
    Point.objects.bulk_create(points, batch_size=1000)
