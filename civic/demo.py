"""The plain-language 随手拍 categories of the demo city, and a few residents' reports."""

from issues.demo import draw_photo
from issues.models import IssueCategory

from .models import CivicReport, ReportCategory

# (name residents read, example, Open311 service code, issue category it is filed under)
CATEGORIES = [
    ("垃圾没人清", "路边、小区里的垃圾堆了好几天没人清运", "garbage", "垃圾清运不及时"),
    ("车辆乱停", "汽车、电动车停在人行道、盲道、消防通道上", "parking", "乱停乱放"),
    ("小广告", "墙上、电线杆上乱贴乱画的小广告", "ads", "小广告/牛皮癣"),
    ("路面坑洼破损", "人行道砖松动、路面有坑", "road", "路面破损"),
    ("占道摆摊", "店外经营、流动摊贩占了人行道", "street-vending", "占道经营"),
    ("杂物乱堆", "楼道、路边乱堆的杂物、建筑垃圾", "clutter", "乱堆乱放"),
    ("电动车飞线充电", "从楼上拉电线给电动车充电", "charging", "飞线充电"),
    ("公益广告破损", "公益广告牌褪色、破损、倒了", "billboard", "公益广告破损"),
    ("无障碍设施坏了", "盲道被占、坡道损坏", "accessibility", "无障碍设施损坏"),
    ("其他不文明现象", "其他影响城市文明形象的问题", "other", "其他问题"),
]


def seed_categories():
    """The categories above, for the issue categories that exist (idempotent by code)."""
    issue_categories = dict(IssueCategory.objects.values_list("name", "pk"))
    for order, (name, hint, code, issue_name) in enumerate(CATEGORIES, start=1):
        if issue_name not in issue_categories:
            continue
        ReportCategory.objects.get_or_create(service_code=code, defaults={
            "name": name, "hint": hint, "order": order,
            "issue_category_id": issue_categories[issue_name]})


def seed(city):
    """Categories, and three reports of the demo district waiting for the office."""
    from . import services

    seed_categories()
    if CivicReport.objects.exists():
        return
    categories = list(ReportCategory.objects.all()[:3])
    texts = ["小区门口垃圾堆了三天没人清理，味道很大", "人行道上停满了电动车，推婴儿车过不去",
             "公交站牌上贴满了小广告"]
    for n, (category, text) in enumerate(zip(categories, texts, strict=False)):
        services.report_submit(category=category, description=text,
                               photos=[draw_photo(9000 + n, name=f"civic{n}.jpg")],
                               address=f"东街 {n + 12} 号附近", phone="13800138000" if n == 0 else "",
                               region=city.district)
