import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ledgers.models import LedgerRequirement
from points.models import Framework, FrameworkItem


def framework_standard(code="1.2.3"):
    """A standard with its content and project parents in a framework."""
    fw, _ = Framework.objects.get_or_create(name="全国文明城市测评体系", defaults={"year": 2022})
    p_code, c_code = code.split(".")[0], ".".join(code.split(".")[:2])
    project, _ = FrameworkItem.objects.get_or_create(
        framework=fw, code=p_code, defaults={"level": "project", "title": "公共文明"})
    content, _ = FrameworkItem.objects.get_or_create(
        framework=fw, code=c_code, defaults={"level": "content", "title": "文明交通",
                                             "parent": project})
    std, _ = FrameworkItem.objects.get_or_create(
        framework=fw, code=code, defaults={"level": "standard", "title": "文明交通宣传",
                                           "parent": content, "method_online": True})
    return std


class LedgerRequirementFactory(DjangoModelFactory):
    class Meta:
        model = LedgerRequirement
        skip_postgeneration_save = True

    year = 2024
    standard = factory.LazyFunction(framework_standard)
    title = factory.Sequence(lambda n: f"文明交通宣传活动台账{n}")
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    photo_count = 1
    material_start = dt.date(2024, 1, 1)
    material_end = dt.date(2024, 12, 31)

    @factory.post_generation
    def contributing(self, create, extracted, **kwargs):
        if create and extracted:
            self.contributing_units.set(extracted)
