import datetime as dt

from issues.deadlines import (
    WorkCalendar,
    deadline_from_category,
    deadline_from_input,
    end_of_day,
    local_tz,
    working_days_late,
)
from issues.models import IssueCategory

TZ = local_tz()
CAL = WorkCalendar({
    dt.date(2026, 10, 1): False, dt.date(2026, 10, 2): False, dt.date(2026, 10, 5): False,
    dt.date(2026, 9, 27): True,   # Sunday worked (调休)
    dt.date(2026, 10, 10): True,  # Saturday worked (调休)
})


def cat(value, unit=IssueCategory.DeadlineUnit.WORKING_DAYS):
    return IssueCategory(name="x", deadline_value=value, deadline_unit=unit)


def test_it_skips_the_weekend():
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert deadline_from_category(cat(3), now=friday, calendar=CAL) == \
        dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=TZ)


def test_it_skips_holidays_and_counts_adjusted_working_weekends():
    # Wed 30 Sep + 1 working day: 1, 2 Oct holidays, 3-4 weekend, 5 holiday → Tue 6 Oct.
    assert CAL.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 6)
    # Fri 9 Oct + 1 → Saturday 10 Oct is a 调休 working day.
    assert CAL.add_working_days(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)
    assert CAL.add_working_days(dt.date(2026, 9, 26), 1) == dt.date(2026, 9, 27)


def test_filing_just_before_local_midnight_counts_from_that_local_day():
    # 23:30 local on Monday is 15:30 UTC the same day.
    late = dt.datetime(2026, 11, 16, 15, 30, tzinfo=dt.UTC)
    assert deadline_from_category(cat(1), now=late, calendar=CAL) == \
        dt.datetime(2026, 11, 17, 23, 59, 59, tzinfo=TZ)


def test_filing_just_after_local_midnight_counts_from_the_new_local_day():
    # 00:30 local Tuesday is still Monday 16:30 in UTC.
    early = dt.datetime(2026, 11, 16, 16, 30, tzinfo=dt.UTC)
    assert deadline_from_category(cat(1), now=early, calendar=CAL) == \
        dt.datetime(2026, 11, 18, 23, 59, 59, tzinfo=TZ)


def test_hour_deadlines_are_exact():
    now = dt.datetime(2026, 11, 20, 22, 0, tzinfo=TZ)
    assert deadline_from_category(cat(4, IssueCategory.DeadlineUnit.HOURS), now=now,
                                  calendar=CAL) == now + dt.timedelta(hours=4)


def test_a_date_means_the_end_of_that_local_day():
    value = deadline_from_input(dt.date(2026, 5, 8))
    assert value == dt.datetime(2026, 5, 8, 23, 59, 59, tzinfo=TZ)
    assert value.astimezone(dt.UTC) == dt.datetime(2026, 5, 8, 15, 59, 59, tzinfo=dt.UTC)
    assert end_of_day(dt.date(2026, 5, 8)) == value


def test_working_days_late_counts_whole_working_days_after_the_deadlines_day():
    deadline = dt.datetime(2026, 11, 20, 23, 59, 59, tzinfo=TZ)  # Friday
    assert working_days_late(deadline, dt.datetime(2026, 11, 22, 12, tzinfo=TZ), CAL) == 0
    # Monday has only begun
    assert working_days_late(deadline, dt.datetime(2026, 11, 23, 0, 1, tzinfo=TZ), CAL) == 0
    # Monday and Tuesday are over
    assert working_days_late(deadline, dt.datetime(2026, 11, 25, 9, tzinfo=TZ), CAL) == 2
