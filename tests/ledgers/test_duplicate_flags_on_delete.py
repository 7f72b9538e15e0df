"""A photo deleted for good leaves no "疑似重复" pointing at it: the ledger photos flagged as its
copies are checked again in the same transaction, and then point at another near-identical
photo that remains, or at none. A photo only removed (within the 10 minutes of 撤销) keeps
the pair as it is.

Hashes are set by hand: A = HASH, B = HASH with two bits flipped (2 bits from A), C = HASH
(0 bits from A, 2 from B); a different scene is ~32 bits away, far beyond the 6-bit limit."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evidence.duplicates import find_near_duplicates
from evidence.processing import hash_bands
from issues.models import IssuePhoto
from ledgers import services
from ledgers.models import LedgerPhoto

from ..evidence.images import jpeg_bytes
from ..factories import UserFactory
from ..issues.factories import IssueFactory
from .factories import LedgerRequirementFactory
from .test_duplicates import HASH, _photo
from .test_services import _photo as _upload

pytestmark = pytest.mark.django_db
B_HASH = HASH ^ 0b11


def _flag(photo):
    """(model, id, distance, url) of a photo's flag as the reviewer sees it, from the row."""
    p = LedgerPhoto.with_removed.get(pk=photo.pk)
    return (p.duplicate_of_model, p.duplicate_of_id, p.duplicate_distance, p.duplicate_of_url)


NO_FLAG = ("", None, None, "")


@pytest.fixture
def units(city):
    """Three units' tasks: 区城管局 (whose liaison removes and replaces), 区住建局, 东街街道."""
    u = city.units
    return {name: (LedgerRequirementFactory(region=u.a, lead_unit=unit), unit)
            for name, unit in [("cg", u.cg), ("zj", u.zj), ("street", u.street)]}


def _pair(units, with_c=False):
    """A (城管局) and B (住建局) flagged as a pair; C (街道), if asked, checked last, so it points
    at A (0 bits) while A and B keep their partner."""
    a = _photo(*units["cg"], HASH)
    b = _photo(*units["zj"], B_HASH)
    services.ledger_photo_check(photo=a)
    services.ledger_photo_check(photo=b)
    assert _flag(a)[:3] == ("ledgers.ledgerphoto", b.pk, 2)
    assert _flag(b)[:3] == ("ledgers.ledgerphoto", a.pk, 2)
    c = None
    if with_c:
        c = _photo(*units["street"], HASH)
        services.ledger_photo_check(photo=c)
        assert _flag(c)[:3] == ("ledgers.ledgerphoto", a.pk, 0)
        assert _flag(b)[1] == a.pk
    return a, b, c


def _remove(city, photo, when):
    services.ledger_file_remove(submission=photo.submission, by=city.users.liaison,
                                photo_id=photo.pk, now=when)


def test_a_purged_photo_leaves_its_partner_unflagged(city, units):
    a, b, _ = _pair(units)
    removed = timezone.now()
    _remove(city, a, removed)
    # Within the undo window and its margin the pair stays as it is …
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=14)) == 0
    assert _flag(b)[:3] == ("ledgers.ledgerphoto", a.pk, 2)
    # … once A is purged, B is not a copy of anything any more.
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=16)) == 1
    assert not LedgerPhoto.with_removed.filter(pk=a.pk).exists()
    assert _flag(b) == NO_FLAG
    assert LedgerPhoto.objects.get(pk=b.pk).checked_at is not None


def test_after_the_purge_the_partner_points_at_the_copy_that_remains(city, units):
    a, b, c = _pair(units, with_c=True)
    removed = timezone.now()
    _remove(city, a, removed)
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=16)) == 1
    # B and C both pointed at A; each is checked again and finds the other, 2 bits apart.
    assert _flag(b) == ("ledgers.ledgerphoto", c.pk, 2, c.submission.get_absolute_url())
    assert _flag(c) == ("ledgers.ledgerphoto", b.pk, 2, b.submission.get_absolute_url())


def test_a_photo_put_back_within_undo_keeps_its_pair(city, units):
    a, b, _ = _pair(units)
    removed = timezone.now()
    _remove(city, a, removed)
    services.ledger_file_restore(submission=a.submission, by=city.users.liaison,
                                 photo_id=a.pk, now=removed + dt.timedelta(minutes=5))
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=16)) == 0
    assert _flag(a)[1] == b.pk and _flag(b)[1] == a.pk


def test_a_flagged_photo_that_is_itself_removed_is_checked_again_too(city, units):
    """B (removed by 住建局, within undo) pointed at A; when A is purged B is checked again, so
    if 住建局 puts B back it shows the partner that is really there (C), not the purged A."""
    a, b, c = _pair(units, with_c=True)
    removed = timezone.now()
    _remove(city, a, removed)
    services.ledger_file_remove(submission=b.submission, by=city.users.liaison2,
                                photo_id=b.pk, now=removed + dt.timedelta(minutes=10))
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=16)) == 1
    assert _flag(b) == ("ledgers.ledgerphoto", c.pk, 2, c.submission.get_absolute_url())
    # C sees present photos only: B is hidden, so C is not a copy of anything now.
    assert _flag(c) == NO_FLAG


def test_a_replaced_photo_leaves_its_partner_unflagged(city, units):
    a, b, _ = _pair(units)
    services.ledger_photo_replace(submission=a.submission, by=city.users.liaison,
                                  photo_id=a.pk, uploaded=_upload(seed=5))
    assert not LedgerPhoto.with_removed.filter(pk=a.pk).exists()
    assert _flag(b) == NO_FLAG


def test_after_a_replace_the_partner_points_at_the_copy_that_remains(city, units):
    a, b, c = _pair(units, with_c=True)
    services.ledger_photo_replace(submission=a.submission, by=city.users.liaison,
                                  photo_id=a.pk, uploaded=_upload(seed=5))
    assert _flag(b) == ("ledgers.ledgerphoto", c.pk, 2, c.submission.get_absolute_url())
    assert _flag(c) == ("ledgers.ledgerphoto", b.pk, 2, b.submission.get_absolute_url())
    # The new photo is not processed yet (no hash): it cannot be anyone's partner.
    new = LedgerPhoto.objects.get(submission=a.submission)
    assert new.phash is None and new.caption_text == a.caption_text


def test_the_lookup_does_not_see_a_removed_photo(units):
    """The evidence lookup reads each model's default manager, which for ledger photos hides
    the removed ones: B finds nothing once A is removed, even before A is purged."""
    a, b, _ = _pair(units)
    assert [m.pk for m in find_near_duplicates(B_HASH, exclude=[(LedgerPhoto, b.pk)])] == [a.pk]
    LedgerPhoto.objects.filter(pk=a.pk).update(removed_at=timezone.now())
    assert find_near_duplicates(B_HASH, exclude=[(LedgerPhoto, b.pk)]) == []


def test_an_issue_deleted_in_the_admin_leaves_no_flag_on_ledger_photos(city, units, client):
    """Issues are never deleted through the pages or the API; a superuser can still delete
    one in the admin, and its photos go with it."""
    issue = IssueFactory(region=city.units.a, responsible_unit=city.units.cg,
                         deadline=timezone.now())
    shot = IssuePhoto(issue=issue, kind=IssuePhoto.Kind.BEFORE, phash=HASH, width=8, height=8)
    (shot.phash_band0, shot.phash_band1, shot.phash_band2, shot.phash_band3) = hash_bands(HASH)
    shot.file.name = default_storage.save("issues/x/before.jpg", ContentFile(jpeg_bytes(seed=1)))
    shot.save()
    b = _photo(*units["zj"], B_HASH)
    services.ledger_photo_check(photo=b)
    assert _flag(b) == ("issues.issuephoto", shot.pk, 2, issue.get_absolute_url())

    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(f"/admin/issues/issue/{issue.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not IssuePhoto.objects.filter(pk=shot.pk).exists()
    assert _flag(b) == NO_FLAG


def _removed_photos(units, city, n, when):
    """`n` photos of 城管局's draft, no two within 6 bits (each differs from HASH in its own
    byte: 8 bits from HASH, 16 from each other), all removed at `when`."""
    photos = [_photo(*units["cg"], HASH ^ (0xFF << (8 * i))) for i in range(n)]
    for p in photos:
        _remove(city, p, when)
    return photos


def _lookups(ctx):
    """The reads of photos flagged as copies of a deleted one."""
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].startswith("SELECT") and '"duplicate_of_model" = ' in q["sql"]]


def test_the_purge_costs_a_fixed_number_of_queries_per_photo(city, units):
    """Per purged photo: a savepoint and its release, the locked re-read, the delete and the
    one lookup of photos flagged as its copies; plus the two reads of what is due (photos,
    documents). So 2 + 5 per photo, whether 1 or 3 are purged."""
    removed = timezone.now()
    for n in (1, 3):
        _removed_photos(units, city, n, removed)
        with CaptureQueriesContext(connection) as ctx:
            assert services.ledger_removed_files_purge(
                now=removed + dt.timedelta(minutes=16)) == n
        assert len(_lookups(ctx)) == n
        assert len(ctx.captured_queries) == 2 + 5 * n, [q["sql"] for q in ctx.captured_queries]


def test_each_flagged_partner_adds_the_cost_of_one_check(city, units):
    """With a flagged partner each (B_i, 1 bit from A_i, no other copy anywhere), every purged
    photo adds one re-check of its partner to its 5: the three lookups (issue, ledger and
    public report photos) and the update that clears the flag. So 2 + 9 per photo."""
    removed = timezone.now()
    costs = {}
    for n, first_byte in ((1, 0), (3, 1)):  # each pair in a byte of its own, as above
        pairs = []
        for i in range(n):
            h = HASH ^ (0xFF << (8 * (first_byte + i)))
            a, b = _photo(*units["cg"], h), _photo(*units["zj"], h ^ 0b1)
            services.ledger_photo_check(photo=b)
            assert _flag(a)[1] == b.pk
            pairs.append(b)
            _remove(city, a, removed)
        with CaptureQueriesContext(connection) as ctx:
            assert services.ledger_removed_files_purge(
                now=removed + dt.timedelta(minutes=16)) == n
        assert [_flag(b) for b in pairs] == [NO_FLAG] * n
        assert len(_lookups(ctx)) == n
        costs[n] = len(ctx.captured_queries)
    assert costs == {1: 2 + 9, 3: 2 + 3 * 9}
