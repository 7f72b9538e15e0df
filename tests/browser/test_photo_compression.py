"""Photos from a phone: shrunk in the browser before they are sent, unless the city office
chose to keep originals (照片上传设置), then sent byte for byte as taken."""

import hashlib
import io
import random

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from evidence.models import PhotoSettings
from issues.models import Issue, IssuePhoto
from tests.issues.factories import IssueCategoryFactory
from tests.points.factories import PointCategoryFactory, PointFactory

from .conftest import log_in, send_market_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def big_photo(path):
    """A 2,800 × 2,100 JPEG of about 1–2 MB: larger than the 1,920 px the phone shrinks to."""
    rng = random.Random(7)
    img = Image.new("RGB", (2800, 2100))
    img.putdata([(x * 255 // 2800, rng.randrange(256), 120)
                 for _y in range(2100) for x in range(2800)])
    img.save(path, "JPEG", quality=90)
    return path


def _file_an_issue(phone, path):
    phone.goto("/issues/new/")
    send_market_issue(phone, "市场门口占道摆摊", str(path))
    expect(phone.get_by_text("已上报")).to_be_visible(timeout=30_000)
    issue = Issue.objects.get()
    return IssuePhoto.objects.get(issue=issue)


@pytest.fixture
def market(city):
    IssueCategoryFactory(name="占道经营", deadline_value=1)
    return PointFactory(name="东关农贸市场", category=PointCategoryFactory(name="农贸市场"),
                        territorial_unit=city.units.community)


@pytest.mark.parametrize("mode", [PhotoSettings.Mode.COMPRESS, PhotoSettings.Mode.ORIGINAL])
def test_the_phone_shrinks_photos_unless_originals_are_kept(phone, city, market, tmp_path,
                                                            mode):
    PhotoSettings.objects.create(pk=1, mode=mode)
    cache.clear()
    path = big_photo(tmp_path / "现场.jpg")
    taken = path.read_bytes()
    log_in(phone, "inspector")
    photo = _file_an_issue(phone, path)
    sent = photo.file.read()
    width, height = Image.open(io.BytesIO(sent)).size
    if mode == PhotoSettings.Mode.ORIGINAL:
        assert hashlib.sha256(sent).digest() == hashlib.sha256(taken).digest()
        assert (width, height) == (2800, 2100)
    else:
        assert len(sent) < len(taken) and max(width, height) <= 1920
