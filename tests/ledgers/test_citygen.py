import random

import pytest
from django.core.management import call_command

from accounts import citygen
from ledgers import citygen as ledger_citygen
from ledgers.models import (
    LedgerDocument,
    LedgerEvent,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
)

pytestmark = pytest.mark.django_db
S = LedgerSubmission.Status


def test_generate_city_small_adds_ledgers_in_every_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("generate_city", "--scale", "small", verbosity=0)
    assert LedgerRequirement.objects.count() == 60
    assert LedgerSubmission.objects.count() == 300
    assert set(LedgerSubmission.objects.current().values_list("status", flat=True)) == set(
        S.values)
    # Versions: every chain has exactly one current version and earlier ones are returned.
    assert LedgerSubmission.objects.filter(version__gt=1).exists()
    assert not LedgerSubmission.objects.filter(is_current=False).exclude(
        status=S.RETURNED).exists()
    later = LedgerSubmission.objects.filter(version__gt=1).select_related("previous")
    assert all(s.previous.version == s.version - 1 and s.previous.unit_id == s.unit_id
               for s in later)
    # Every requirement has contributing units; submissions come from lead or contributors.
    through = LedgerRequirement.contributing_units.through
    assert through.objects.values("ledgerrequirement").distinct().count() == 60
    for sub in LedgerSubmission.objects.select_related("requirement")[:50]:
        assert sub.unit_id in sub.requirement.unit_ids()
    # Sign-offs and reviews with their events.
    signed = LedgerSubmission.objects.exclude(status=S.DRAFT)
    assert not signed.filter(signed_at__isnull=True).exists()
    assert not signed.filter(first_signed_at__isnull=True).exists()
    assert LedgerEvent.objects.filter(action="create").count() == \
        LedgerSubmission.objects.filter(version=1).count()
    assert LedgerEvent.objects.filter(action="sign").count() == signed.count()
    assert LedgerEvent.objects.filter(action="approve").count() == \
        LedgerSubmission.objects.filter(status=S.APPROVED).count()
    # Photo and document records with hashes; a few real files; some flagged.
    assert LedgerPhoto.objects.count() > 200
    assert not LedgerPhoto.objects.filter(phash__isnull=True).exists()
    assert not LedgerPhoto.objects.filter(sha256="").exists()
    assert LedgerDocument.objects.exists()
    real = LedgerPhoto.objects.order_by("pk")[:ledger_citygen.REAL_FILES]
    assert all(p.thumbnail and p.display and p.file.storage.exists(p.file.name) for p in real)
    assert LedgerPhoto.objects.filter(no_exif=True).exists()
    assert LedgerPhoto.objects.filter(exif_outside_window=True).exists()
    # Duplicates are flagged on both sides of each pair.
    dups = list(LedgerPhoto.objects.filter(duplicate_of_id__isnull=False))
    assert dups
    ids = {p.pk for p in dups}
    assert all(p.duplicate_of_id in ids for p in dups)
    # Last year's and this year's tasks, some with an activity window.
    assert LedgerRequirement.objects.values("year").distinct().count() == 2
    assert LedgerRequirement.objects.exclude(activity_name="").exists()
    assert LedgerRequirement.objects.with_progress().filter(completion_rate__gt=0).exists()


def test_generate_on_empty_db_in_bulk(django_assert_max_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    city = citygen.GeneratedCity("small", random.Random(7))
    citygen.generate(city)
    with django_assert_max_num_queries(400):
        ledger_citygen.generate(city)
    first = list(LedgerSubmission.objects.order_by("pk").values_list("status", "version"))
    assert len(city.ledger_requirements) == 60 and len(city.ledger_submissions) == 300
    assert len(first) == 300
