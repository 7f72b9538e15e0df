import pytest

from accounts.models import Unit, pinyin_initials
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_paths_and_regions_follow_the_tree(city):
    u = city.units
    assert u.community.path == f"/{u.root.pk}/{u.a.pk}/{u.street.pk}/{u.community.pk}/"
    assert u.community.region_path == u.a.path
    assert u.a.region_path == u.a.path
    assert u.root.region_path == u.root.path


def test_moving_a_unit_moves_its_subtree_and_region(city):
    u = city.units
    u.street.parent = u.b
    u.street.save()
    community = Unit.objects.get(pk=u.community.pk)
    assert community.path == f"{u.b.path}{u.street.pk}/{u.community.pk}/"
    assert community.region_path == u.b.path


def test_a_district_moved_keeps_itself_as_region(city):
    new_root = UnitFactory(name="新市", kind=Unit.Kind.CITY)
    city.units.a.parent = new_root
    city.units.a.save()
    street = Unit.objects.get(pk=city.units.street.pk)
    assert street.region_path == Unit.objects.get(pk=city.units.a.pk).path


def test_pinyin_initials():
    assert pinyin_initials("农贸市场") == "nmsc"


def test_unit_changes_are_recorded_in_history(city):
    unit = city.units.cg
    unit.contact_phone = "12345"
    unit.save()
    assert unit.history.first().contact_phone == "12345"
