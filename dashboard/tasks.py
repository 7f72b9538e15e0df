"""Celery tasks: ids in, the service inside."""

from celery import shared_task
from django.utils import timezone

from accounts.models import Unit

from . import services


@shared_task
def schedule_reports_task(kind):
    """Beat: request the weekly or monthly report of every district (and of a city without
    districts), each built by a job of kind report; each request is idempotent per period,
    so a re-run adds nothing."""
    today = timezone.localdate()
    regions = Unit.objects.filter(kind__in=Unit.REGION_KINDS, is_active=True)
    with_districts = set(regions.filter(kind=Unit.Kind.DISTRICT)
                         .values_list("parent_id", flat=True))
    for region in regions:
        if region.pk in with_districts:
            continue  # a city's districts report for themselves
        services.report_request(kind=kind, region=region, today=today)


@shared_task
def snapshot_ranking_figures_task():
    """Beat, daily after midnight: keep the figures of the periods that just ended (a week
    on Mondays, a month on the 1st, …); other days it finds them kept and writes nothing."""
    services.snapshot_past_periods()
