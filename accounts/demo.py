"""The demo city's units and one account per role (DESIGN.md §6)."""

from dataclasses import dataclass, field

from .models import Role, Unit, User

DEPARTMENTS = [
    "区城管局", "区住建局", "区市场监管局", "区交通运输局", "区卫健局", "区教育局",
    "区文旅局", "区民政局", "区生态环境分局", "区商务局", "公安分局交警大队",
]
STREETS = {
    "东街街道": ["幸福社区", "东关社区", "文化巷社区"],
    "西关街道": ["西关社区", "新华社区", "火车站社区"],
    "南湖街道": ["南湖社区", "滨河社区", "翠园社区"],
    "北山镇": ["北山村", "红星村"],
}
# username → (unit name, role, full name)
ACCOUNTS = {
    "office": ("城关区创城办", Role.OFFICE, "王主任"),
    "inspector": ("城关区创城办", Role.INSPECTOR, "李督查"),
    "inspector2": ("城关区创城办", Role.INSPECTOR, "马督查"),
    "liaison": ("区城管局", Role.LIAISON, "张联络"),
    "liaison2": ("区住建局", Role.LIAISON, "赵联络"),
    "unitleader": ("区城管局", Role.UNIT_LEADER, "刘局长"),
    "pointchief": ("幸福社区", Role.POINT_CHIEF, "陈点位长"),
    "leader": ("城关区", Role.LEADER, "周区长"),
    "office_city": ("示范市创城办", Role.OFFICE, "孙主任"),
}


@dataclass
class DemoCity:
    """What the accounts seeder made, for the other apps' seeders to hang their data on."""

    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    password: str = "demo12345"

    @property
    def district(self):
        return self.units["城关区"]

    def departments(self):
        return [self.units[name] for name in DEPARTMENTS]

    def streets(self):
        return [self.units[name] for name in STREETS]

    def communities(self):
        return [self.units[c] for members in STREETS.values() for c in members]


def _unit(city, name, kind, parent):
    unit = Unit.objects.filter(name=name, parent=parent).first()
    if unit is None:
        unit = Unit.objects.create(name=name, kind=kind, parent=parent,
                                   contact_phone="0936-82" + str(len(city.units)).zfill(5))
    city.units[name] = unit
    return unit


def seed(city):
    """Units of 示范市 (one district in full, a second one for contrast) and the accounts."""
    root = _unit(city, "示范市", Unit.Kind.CITY, None)
    _unit(city, "示范市创城办", Unit.Kind.OFFICE, root)
    district = _unit(city, "城关区", Unit.Kind.DISTRICT, root)
    _unit(city, "城关区创城办", Unit.Kind.OFFICE, district)
    for name in DEPARTMENTS:
        _unit(city, name, Unit.Kind.DEPARTMENT, district)
    for street, communities in STREETS.items():
        parent = _unit(city, street, Unit.Kind.STREET, district)
        for community in communities:
            _unit(city, community, Unit.Kind.COMMUNITY, parent)
    other = _unit(city, "高新区", Unit.Kind.DISTRICT, root)
    _unit(city, "高新区创城办", Unit.Kind.OFFICE, other)
    _unit(city, "高新区城管局", Unit.Kind.DEPARTMENT, other)
    _unit(city, "创业街道", Unit.Kind.STREET, other)

    for username, (unit_name, role, full_name) in ACCOUNTS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.unit = city.units[unit_name]
        user.role = role
        user.full_name = full_name
        user.email = f"{username}@example.invalid"
        user.is_active = True
        user.set_password(city.password)
        user.save()
        city.users[username] = user
    other_office, _ = User.objects.get_or_create(
        username="office_gx", defaults={"unit": city.units["高新区创城办"], "role": Role.OFFICE,
                                        "full_name": "高新区创城办"},
    )
    other_office.set_password(city.password)
    other_office.save()
    city.users["office_gx"] = other_office
