import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image, ImageDraw

from issues.models import Issue, IssueCategory


def photo(name="p.jpg", color=(200, 40, 40), seed=0, size=(320, 240)):
    """A real small JPEG with a pattern that depends on `seed` (different seeds → different
    perceptual hashes)."""
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for i in range(8):
        x = (seed * 37 + i * 53) % size[0]
        y = (seed * 17 + i * 29) % size[1]
        draw.rectangle([x, y, x + 40 + seed % 30, y + 25], fill=((seed * 50 + i * 30) % 255, 80, 160))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


class IssueCategoryFactory(DjangoModelFactory):
    class Meta:
        model = IssueCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"类别{n}")
    deadline_value = 3
    deadline_unit = IssueCategory.DeadlineUnit.WORKING_DAYS


class IssueFactory(DjangoModelFactory):
    class Meta:
        model = Issue

    category = factory.SubFactory(IssueCategoryFactory)
    description = "路边垃圾堆放"
    address = "东街 1 号"
    status = Issue.Status.NEW
