"""Issues that look like the same case as one issue, for the API detail's
`possible_duplicates`: open issues of the same category at the same point, open issues
within ISSUE_DUPLICATE_RADIUS_M (default 100 m) and ISSUE_DUPLICATE_DAYS (default 14) of it,
and issues one of whose photos has a perceptual hash near one of its photos (the
duplicate-photo lookup of evidence.duplicates). Only issues the caller may see are named."""

import datetime as dt

from django.conf import settings

from evidence.duplicates import find_near_duplicates

from .models import OPEN, Issue, IssuePhoto
from .photos import distance_m

LIMIT = 10


def _box(lat, lng, radius_m):
    import math

    dlat = radius_m / 111_000
    dlng = radius_m / (111_000 * max(0.2, abs(math.cos(math.radians(lat)))))
    return {"latitude__range": (lat - dlat, lat + dlat),
            "longitude__range": (lng - dlng, lng + dlng)}


def possible_duplicates(issue, user, *, visible=None):
    """[{"id", "status", "category_name", "point_name", "created", "reasons": [...]}], nearest
    first, at most 10. A few queries whatever the number of issues: one for the point, one
    for the place, one per photo hash band lookup, one to read the matches. `visible` is
    `user`'s issues when the caller has them already."""
    reasons = {}
    if visible is None:
        visible = Issue.objects.visible_to(user)
    visible = visible.exclude(pk=issue.pk)
    if issue.point_id:
        for pk in visible.filter(point_id=issue.point_id, category_id=issue.category_id,
                                 status__in=OPEN).values_list("pk", flat=True)[:LIMIT]:
            reasons.setdefault(pk, []).append("同一点位、同一类别的未销号问题")
    if issue.latitude is not None and issue.longitude is not None:
        lat, lng = float(issue.latitude), float(issue.longitude)
        radius = getattr(settings, "ISSUE_DUPLICATE_RADIUS_M", 100)
        window = dt.timedelta(days=getattr(settings, "ISSUE_DUPLICATE_DAYS", 14))
        nearby = (visible.filter(status__in=OPEN, region_id=issue.region_id,
                                 created__range=(issue.created - window,
                                                 issue.created + window),
                                 **_box(lat, lng, radius))
                  .values_list("pk", "latitude", "longitude")[:200])
        for pk, olat, olng in nearby:
            d = distance_m(lat, lng, float(olat), float(olng))
            if d <= radius:
                reasons.setdefault(pk, []).append(f"相距约 {d:.0f} 米")
    # Every photo of the issue in one lookup: a match's distance is to the nearest of them.
    photos = [photo for photo in issue.photos.all() if photo.phash is not None]
    photo_hits = {match.pk: match.distance for match in find_near_duplicates(
        [photo.phash for photo in photos], exclude=[(IssuePhoto, p.pk) for p in photos],
        models=[IssuePhoto])}
    if photo_hits:
        for photo_pk, issue_id in IssuePhoto.objects.filter(
                pk__in=list(photo_hits), issue__in=visible).values_list("pk", "issue_id"):
            if issue_id != issue.pk:
                reasons.setdefault(issue_id, []).append(
                    f"照片相似（相差 {photo_hits[photo_pk]} 位）")
    if not reasons:
        return []
    found = (visible.filter(pk__in=list(reasons)).select_related("category", "point")
             .order_by("-created")[:LIMIT])
    return [{"id": other.pk, "status": other.status, "category_name": other.category.name,
             "point_name": other.point.name if other.point_id else "",
             "created": other.created, "reasons": sorted(set(reasons[other.pk]))}
            for other in found]
