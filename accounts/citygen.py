"""Units and users of the generated benchmark city (DESIGN.md §7), inserted in bulk."""

from django.contrib.auth.hashers import make_password

from .models import Role, Unit, User

SCALES = {
    # units, users
    "small": {"districts": 2, "departments": 6, "streets": 3, "communities": 3, "users": 60},
    "city": {"districts": 4, "departments": 20, "streets": 8, "communities": 6, "users": 2000},
}

class GeneratedCity:
    """Handles to what the generators made, passed from one app's generator to the next."""

    def __init__(self, scale, rng):
        self.scale = scale
        self.sizes = SCALES[scale]
        self.rng = rng
        self.units = []
        self.users = []
        self.districts = []
        self.departments = []
        self.streets = []
        self.communities = []
        self.ledger_requirements = []
        self.ledger_submissions = []

def _bulk_units(rows):
    """Create units in bulk and give them their paths (the path holds the id)."""
    units = Unit.objects.bulk_create(rows)
    for unit in units:
        unit.set_paths(unit.parent)
    Unit.objects.bulk_update(units, ["path", "region_path"])
    return units

def generate(city):
    """300 units for the city scale: 1 city, 4 districts, each with an office, 20 departments
    and 8 streets of 6 communities; then users spread over them, every role present."""

    from .models import pinyin_initials

    sizes = city.sizes
    root = _bulk_units([Unit(name="生成市", kind=Unit.Kind.CITY, name_initials="scs")])[0]
    districts = _bulk_units([
        Unit(name=f"第{i + 1}区", kind=Unit.Kind.DISTRICT, parent=root,
             name_initials=pinyin_initials(f"第{i + 1}区"))
        for i in range(sizes["districts"])
    ])
    level2 = []
    for d in districts:
        level2.append(Unit(name=f"{d.name}创城办", kind=Unit.Kind.OFFICE, parent=d))
        level2 += [Unit(name=f"{d.name}部门{j + 1}", kind=Unit.Kind.DEPARTMENT, parent=d)
                   for j in range(sizes["departments"])]
        level2 += [Unit(name=f"{d.name}街道{j + 1}", kind=Unit.Kind.STREET, parent=d)
                   for j in range(sizes["streets"])]
    for u in level2:
        u.name_initials = pinyin_initials(u.name)
    level2 = _bulk_units(level2)
    streets = [u for u in level2 if u.kind == Unit.Kind.STREET]
    communities = _bulk_units([
        Unit(name=f"{s.name}社区{k + 1}", kind=Unit.Kind.COMMUNITY, parent=s,
             name_initials=pinyin_initials(f"{s.name}社区{k + 1}"))
        for s in streets for k in range(sizes["communities"])
    ])
    city.districts = districts
    city.departments = [u for u in level2 if u.kind == Unit.Kind.DEPARTMENT]
    city.streets = streets
    city.communities = communities
    city.units = [root, *districts, *level2, *communities]

    offices = [u for u in level2 if u.kind == Unit.Kind.OFFICE]
    password = make_password("bench12345")
    users = []
    for i in range(sizes["users"]):
        if i < len(offices) * 3:
            unit, role = offices[i % len(offices)], [Role.OFFICE, Role.INSPECTOR, Role.LEADER][i // len(offices) % 3]
        else:
            pool = city.departments + city.streets + city.communities
            unit = pool[i % len(pool)]
            role = (Role.LIAISON, Role.LIAISON, Role.UNIT_LEADER, Role.POINT_CHIEF)[i % 4]
        users.append(User(username=f"u{i:05d}", password=password, unit=unit, role=role,
                          full_name=f"用户{i}"))
    city.users = User.objects.bulk_create(users, batch_size=1000)
