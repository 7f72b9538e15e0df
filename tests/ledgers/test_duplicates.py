"""Both photos of a duplicate pair are flagged; a flag a photo already carries is kept;
another version of the same unit's material is not a duplicate."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from evidence.processing import hash_bands
from ledgers import services
from ledgers.models import LedgerPhoto, LedgerSubmission

from ..evidence.images import jpeg_bytes
from .factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db
HASH = 0x1234_5678_9ABC_DEF0


def _photo(req, unit, phash, version=1):
    sub = LedgerSubmission.objects.filter(requirement=req, unit=unit).first() or \
        LedgerSubmission.objects.create(requirement=req, unit=unit, version=version)
    b = hash_bands(phash)
    photo = LedgerPhoto(submission=sub, phash=phash, phash_band0=b[0], phash_band1=b[1], width=8,
                        height=8,
                        phash_band2=b[2], phash_band3=b[3])
    photo.file.name = default_storage.save(f"ledgers/{sub.pk}/x.jpg",
                                           ContentFile(jpeg_bytes(seed=1)))
    photo.save()
    return LedgerPhoto.objects.select_related("submission__requirement").get(pk=photo.pk)


def test_pair_flagged_both_ways_and_existing_flags_kept(city):
    req_cg = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)
    req_zj = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj)
    req_st = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.street)
    a = _photo(req_cg, city.units.cg, HASH)
    services.ledger_photo_check(photo=a)
    a.refresh_from_db()
    assert a.duplicate_of_id is None
    b = _photo(req_zj, city.units.zj, HASH ^ 0b11)  # two bits apart
    services.ledger_photo_check(photo=b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.duplicate_of_id, a.duplicate_of_id) == (a.pk, b.pk)
    assert a.duplicate_distance == b.duplicate_distance == 2
    assert a.duplicate_of_url == b.submission.get_absolute_url()
    # a third copy is flagged; the first two keep the partner they have
    c = _photo(req_st, city.units.street, HASH)
    services.ledger_photo_check(photo=c)
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert c.duplicate_of_id == a.pk
    assert (a.duplicate_of_id, b.duplicate_of_id) == (b.pk, a.pk)


def test_same_units_other_version_is_not_flagged(city):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)
    old = _photo(req, city.units.cg, HASH)
    LedgerSubmission.objects.filter(pk=old.submission_id).update(is_current=False,
                                                                 status="returned")
    new_sub = LedgerSubmission.objects.create(requirement=req, unit=city.units.cg, version=2,
                                              previous_id=old.submission_id)
    new = LedgerPhoto(submission=new_sub, phash=HASH, width=8, height=8)
    (new.phash_band0, new.phash_band1, new.phash_band2, new.phash_band3) = hash_bands(HASH)
    new.file.name = default_storage.save("ledgers/x/y.jpg", ContentFile(jpeg_bytes(seed=1)))
    new.save()
    services.ledger_photo_check(photo=LedgerPhoto.objects.get(pk=new.pk))
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.duplicate_of_id is None and new.duplicate_of_id is None
