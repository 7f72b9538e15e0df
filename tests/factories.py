import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, Unit, User


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.DEPARTMENT
    parent = None


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    unit = factory.SubFactory(UnitFactory)
    role = Role.LIAISON
    password = factory.django.Password("pw-123456")

    class Params:
        office = factory.Trait(role=Role.OFFICE)
        leader = factory.Trait(role=Role.LEADER)
        inspector = factory.Trait(role=Role.INSPECTOR)
        unit_leader = factory.Trait(role=Role.UNIT_LEADER)
        point_chief = factory.Trait(role=Role.POINT_CHIEF)
