"""Near-duplicate photo lookup across every concrete evidence image model (issue photos,
ledger photos, whatever subclasses `EvidenceImage` later), all units and all years.

Two photos are near-duplicates when their 64-bit pHashes differ in at most
`EVIDENCE_DUPLICATE_MAX_BITS` bits (default 6: a re-encoded, resized or lightly cropped copy
stays within it; different scenes differ by ~32).

Speed (target and figure in bench/RESULTS.md): each hash is also stored as four indexed 16-bit bands.
Pigeonhole: if two hashes differ in at most 7 bits, at least one of the four bands differs in at
most 1 bit. So the candidates are the rows whose band i equals the query's band i or one of its
16 one-bit neighbours — 4 × 17 indexed equality lookups returning a handful of rows — and the
exact Hamming distance is then checked on those candidates only: in SQL with
`bit_count((phash # q)::bit(64))` on PostgreSQL, in Python (`int.bit_count`) elsewhere.
One query per concrete model.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .models import EvidenceImage
from .processing import hash_bands, to_unsigned64

DEFAULT_MAX_BITS = 6
# The band lookup guarantees recall up to this distance (4 bands, ≤ 1 differing bit in one).
MAX_SUPPORTED_BITS = 7


@dataclass(frozen=True)
class Match:
    """A stored photo whose hash is within the threshold of the query."""

    model: type
    pk: int
    distance: int

    @property
    def label(self):
        return self.model._meta.label_lower


def max_bits():
    return min(getattr(settings, "EVIDENCE_DUPLICATE_MAX_BITS", DEFAULT_MAX_BITS),
               MAX_SUPPORTED_BITS)


def image_models():
    """Every concrete model that keeps evidence photos."""
    return [m for m in apps.get_models() if issubclass(m, EvidenceImage)]


def hamming(a, b):
    return (to_unsigned64(a) ^ to_unsigned64(b)).bit_count()


def _band_q(phash):
    q = Q()
    for i, band in enumerate(hash_bands(phash)):
        values = [band] + [band ^ (1 << k) for k in range(16)]
        q |= Q(**{f"phash_band{i}__in": values})
    return q


def find_near_duplicates(phash, *, exclude=(), max_distance=None, models=None):
    """Photos whose pHash is within `max_distance` bits of `phash`, nearest first.

    `phash` may also be a list of hashes (the photos of one issue): a photo is then as far
    as the nearest of them, and all are looked up in the same query. `exclude` is an
    iterable of (model, pk) pairs (e.g. the photo itself). Costs one query per concrete
    image model; reads only band candidates, never the whole table.
    """
    hashes = [phash] if isinstance(phash, int) else [h for h in phash or () if h is not None]
    if not hashes:
        return []
    limit = max_bits() if max_distance is None else min(max_distance, MAX_SUPPORTED_BITS)
    skip = {(m._meta.label_lower, pk) for m, pk in exclude}
    bands = Q()
    for h in hashes:
        bands |= _band_q(h)
    distance = ", ".join(["bit_count((phash # %s)::bit(64))"] * len(hashes))
    distance = distance if len(hashes) == 1 else f"LEAST({distance})"
    matches = []
    on_postgres = connection.vendor == "postgresql"
    for model in models or image_models():
        # No ordering: the matches are sorted below, and a model ordered by its owner
        # (issue photos) would join the owner's table for nothing.
        qs = model._default_manager.filter(bands).exclude(phash__isnull=True).order_by()
        if on_postgres:
            rows = (
                qs.annotate(hamming=RawSQL(distance, tuple(hashes)))
                .filter(hamming__lte=limit)
                .values_list("pk", "hamming")
            )
        else:
            rows = [(pk, min(hamming(h, q) for q in hashes))
                    for pk, h in qs.values_list("pk", "phash")]
        label = model._meta.label_lower
        matches += [
            Match(model, pk, int(d)) for pk, d in rows
            if d <= limit and (label, pk) not in skip
        ]
    matches.sort(key=lambda m: (m.distance, m.label, m.pk))
    return matches
