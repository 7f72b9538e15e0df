"""Deadlines in local time on the office's working-day calendar.

A "3 working day" deadline filed on Friday ends on Wednesday 23:59:59 local time (the filing
day never counts); public holidays are skipped and adjusted working weekends (调休) count.
The functions are pure: the calendar is passed in as {date: is_workday} overrides, so tests
need no database and no clock.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

END_OF_DAY = dt.time(23, 59, 59)


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


class WorkCalendar:
    """Monday–Friday working week with the office's overrides (holidays and 调休)."""

    def __init__(self, overrides=None):
        self.overrides = dict(overrides or {})

    @classmethod
    def load(cls, start=None, end=None):
        """The calendar from the Holiday table (one query), limited to a date range if given."""
        from .models import Holiday

        rows = Holiday.objects.all()
        if start is not None:
            rows = rows.filter(date__gte=start)
        if end is not None:
            rows = rows.filter(date__lte=end)
        return cls(dict(rows.values_list("date", "is_workday")))

    def is_workday(self, day):
        return self.overrides.get(day, day.weekday() < 5)

    def add_working_days(self, day, n):
        """The n-th working day after `day` (`day` itself never counts; n=0 gives `day`)."""
        current = day
        remaining = n
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def previous_workdays(self, day, n):
        """The n most recent working days up to and including `day`, newest first."""
        found = []
        current = day
        while len(found) < n:
            if self.is_workday(current):
                found.append(current)
            current -= dt.timedelta(days=1)
        return found

    def working_days_between(self, start, end):
        """Working days d with start < d <= end: how many working days `end` lies after
        `start` (0 when end <= start)."""
        count = 0
        current = start + dt.timedelta(days=1)
        while current <= end:
            if self.is_workday(current):
                count += 1
            current += dt.timedelta(days=1)
        return count


def local_date(moment):
    return timezone.localtime(moment, local_tz()).date()


def end_of_day(day):
    """23:59:59 local time on `day`, as an aware datetime."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=local_tz())


def start_of_day(day):
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=local_tz())


def deadline_from_category(category, *, now, calendar):
    """The default deadline of a category counted from `now`: exact hours, or the end of the
    n-th working day after today (local time)."""
    if category.deadline_unit == category.DeadlineUnit.HOURS:
        return now + dt.timedelta(hours=category.deadline_value)
    return end_of_day(calendar.add_working_days(local_date(now), category.deadline_value))


def deadline_from_input(value):
    """A date means the end of that day in local time; a datetime is taken as given (naive
    ones as local time)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            return value.replace(tzinfo=local_tz())
        return value
    return end_of_day(value)


PAST_DEADLINE = "整改期限不能早于今天。"


def require_not_past(deadline, *, now, field="deadline", message=PAST_DEADLINE):
    """Refuse a deadline whose local day is before today's: a back-dated finding keeps its
    found time, never a deadline already gone (ValidationError on `field`)."""
    if deadline is not None and local_date(deadline) < local_date(now):
        raise ValidationError({field: message})


def working_days_late(deadline, now, calendar):
    """Whole working days elapsed after the deadline's local day by `now`: the working days
    strictly between the two local days (`now`'s own day is not over yet)."""
    return calendar.working_days_between(local_date(deadline),
                                         local_date(now) - dt.timedelta(days=1))


def late_cutoff(now, n, calendar):
    """The moment before which a deadline lies when, at `now`, it is at least `n` whole
    working days late (`working_days_late` ≥ n): the start of the n-th working day before
    `now`'s local day. The reminder ladder and the ranking's lateness weights both use it."""
    kth = calendar.previous_workdays(local_date(now) - dt.timedelta(days=1), n)[-1]
    return start_of_day(kth)
