import math
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from points.models import Point
from rounds.models import RoundSample, SampleSwap
from rounds.sampling import allocate, draw, nearest_neighbour_route, split_among_teams
from rounds.services import round_draw, sample_inspect, sample_swap

pytestmark = pytest.mark.django_db


def drawn(round_):
    return set(round_.samples.values_list("point_id", flat=True))


def rules_for(district, market=(True, 30), alley=(True, 20)):
    return {district.market.pk: market, district.alley.pk: alley}


def test_the_same_seed_draws_the_same_points(city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=20260301, by=city.users.office)
    first = drawn(round_)
    round_draw(round=round_, rules=rules_for(district), seed=20260301, by=city.users.office)
    assert drawn(round_) == first
    round_draw(round=round_, rules=rules_for(district), seed=99, by=city.users.office)
    assert drawn(round_) != first


def test_a_draw_without_a_seed_records_one_that_repeats_it(city, district, round_):
    round_draw(round=round_, rules=rules_for(district), by=city.users.office)
    round_.refresh_from_db()
    assert round_.seed is not None and round_.drawn_by == city.users.office
    first = drawn(round_)
    round_draw(round=round_, rules=rules_for(district), seed=round_.seed, by=city.users.office)
    assert drawn(round_) == first


def test_fixed_points_are_always_drawn(city, district, round_):
    fixed = {p.pk for p in district.markets + district.alleys if p.kind == Point.Kind.FIXED}
    for seed in (1, 2, 3):
        round_draw(round=round_, rules=rules_for(district), seed=seed, by=city.users.office)
        assert fixed <= drawn(round_)
        assert set(round_.samples.filter(is_fixed=True).values_list("point_id", flat=True)) == fixed


def test_the_random_share_per_category_and_every_street_holds(city, district, round_):
    round_draw(round=round_, rules=rules_for(district, market=(True, 30), alley=(True, 10)),
               seed=5, by=city.users.office)
    random_part = Counter(round_.samples.filter(is_fixed=False).values_list("category_id",
                                                                            flat=True))
    # 40 random markets at 30 % → 12; 60 random alleys at 10 % → 6.
    assert random_part == {district.market.pk: math.ceil(40 * 0.3),
                           district.alley.pk: math.ceil(60 * 0.1)}
    for category in (district.market, district.alley):
        streets = Counter(round_.samples.filter(is_fixed=False, category=category)
                          .values_list("street_id", flat=True))
        # Every street has points of both categories and gets its share (10 or 15 each):
        assert set(streets) == {s.pk for s in district.streets}
        assert max(streets.values()) - min(streets.values()) <= 1


def test_stratifying_by_district_covers_each_district(city, district, round_):
    round_.strata = "district"
    round_.save()
    round_draw(round=round_, rules=rules_for(district), seed=5, by=city.users.office)
    assert set(round_.samples.values_list("district_id", flat=True)) == {district.region.pk}


def test_allocation_gives_every_area_one_then_in_proportion():
    assert allocate(10, {1: 1, 2: 10, 3: 28}) == {1: 1, 2: 3, 3: 6}
    assert allocate(3, {1: 5, 2: 5, 3: 5}) == {1: 1, 2: 1, 3: 1}
    assert allocate(7, {1: 3, 2: 3}) == {1: 3, 2: 3}  # never more than an area has


def test_fewer_draws_than_areas_pick_areas_at_random_repeatably():
    from rounds.sampling import Candidate

    rows = [Candidate(pk, 1, False, pk % 5) for pk in range(1, 51)]
    once = draw(rows, {1: (True, 4)}, seed=8)
    assert len(once) == 2 and once == draw(rows, {1: (True, 4)}, seed=8)
    assert len({pk % 5 for pk, _ in once}) == 2


def test_swapping_a_point_is_recorded(city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=5, by=city.users.office)
    sample = round_.samples.filter(is_fixed=False).first()
    old = sample.point
    swap = sample_swap(sample=sample, reason="点位已拆除", by=city.users.office)
    sample.refresh_from_db()
    assert sample.point != old and sample.point.category == old.category
    assert sample.street == sample.point.territorial_unit  # the same street when it has any
    row = SampleSwap.objects.get()
    assert (row.old_point, row.new_point, row.reason, row.by) == (
        old, sample.point, "点位已拆除", city.users.office)
    assert row.created is not None and swap == row
    assert RoundSample.objects.filter(round=round_, point=old).count() == 0


def test_a_swap_needs_a_reason_and_the_office(city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=5, by=city.users.office)
    sample = round_.samples.first()
    with pytest.raises(ValidationError) as exc:
        sample_swap(sample=sample, reason="  ", by=city.users.office)
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        sample_swap(sample=sample, reason="施工", by=city.users.leader)
    other = district.markets[0] if sample.category == district.alley else district.alleys[0]
    with pytest.raises(ValidationError) as exc:
        sample_swap(sample=sample, reason="施工", by=city.users.office, new_point=other)
    assert "new_point" in exc.value.message_dict
    assert not SampleSwap.objects.exists()


def test_no_redraw_once_a_point_was_inspected(city, district, round_):
    from rounds.models import RoundTeam
    from rounds.services import team_save, teams_assign

    round_draw(round=round_, rules=rules_for(district), seed=5, by=city.users.office)
    team_save(team=RoundTeam(round=round_, name="第一组"), members=[city.users.inspector],
              by=city.users.office)
    teams_assign(round=round_, by=city.users.office)
    sample = round_.samples.filter(category=district.alley).first()
    sample_inspect(sample=sample, by=city.users.inspector, results=[
        {"check_item": district.items.clean, "verdict": "pass"},
        {"check_item": district.items.lamps, "verdict": "pass"}])
    with pytest.raises(ValidationError):
        round_draw(round=round_, rules=rules_for(district), seed=6, by=city.users.office)
    with pytest.raises(ValidationError):
        sample_swap(sample=sample, reason="施工", by=city.users.office)


def test_bad_rules_and_seeds_are_refused(city, district, round_):
    with pytest.raises(ValidationError) as exc:
        round_draw(round=round_, rules={district.market.pk: (True, 130)}, seed=1,
                   by=city.users.office)
    assert "rules" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        round_draw(round=round_, rules=rules_for(district), seed=-1, by=city.users.office)
    assert "seed" in exc.value.message_dict
    with pytest.raises(ValidationError):
        round_draw(round=round_, rules={}, seed=1, by=city.users.office)
    assert not round_.samples.exists()


def test_teams_get_whole_streets_and_a_nearest_neighbour_route():
    plan = split_among_teams([(1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "b"), (6, "c")],
                             [10, 20])
    assert plan == {1: 10, 2: 10, 3: 10, 4: 20, 5: 20, 6: 20}
    stops = [(1, 0.0, 0.0, "甲"), (2, 0.0, 0.03, "乙"), (3, 0.0, 0.01, "丙"),
             (4, None, None, "丁")]
    assert nearest_neighbour_route(stops, start=(0.0, 0.035)) == [2, 3, 1, 4]
    # Without a start the northernmost stop is first.
    assert nearest_neighbour_route([(1, 1.0, 0.0, "a"), (2, 2.0, 0.0, "b"), (3, 1.5, 0.0, "c")]
                                   ) == [2, 3, 1]
