"""Demo data: the district's ranking weights (defaults), one negative-list entry and one
约谈 record with two of the street's issues as evidence, so the projection and the unit
history pages have something to show."""

import datetime as dt

from django.utils import timezone

from issues.models import Issue

from .models import Escalation, NegativeListEvent, RankingWeights


def seed(city):
    district = city.district
    if RankingWeights.objects.filter(region=district).exists():
        return
    today = timezone.localdate()
    RankingWeights.objects.create(region=district, cycle_start_year=today.year - 1)
    office = city.users["office"]
    NegativeListEvent.objects.create(
        unit=city.units["区市场监管局"], item="农贸市场发生食品安全事件（媒体曝光）",
        deduction=2, date=today - dt.timedelta(days=40), created_by=office,
        note="已责令整改，纳入年度考核扣分。")
    street = city.units["西关街道"]
    escalation = Escalation.objects.create(
        unit=street, kind=Escalation.Kind.INTERVIEW,
        decided_on=today - dt.timedelta(days=7), created_by=office,
        reason="连续两周综合排名末位，背街小巷问题逾期未整改。")
    # Its evidence: the street's issues (the demo issues are seeded before).
    escalation.issues.set(Issue.objects.filter(responsible_unit__path__startswith=street.path)
                          .order_by("pk")[:2])
