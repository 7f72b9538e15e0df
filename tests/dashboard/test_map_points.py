"""The map's overdue issues, read as plain rows, say what the issue's own methods say."""

from dashboard import figures
from issues.models import Issue

from .factories import at, make_issue, make_point


def test_map_points_match_the_issues_own_location_and_link(city, week):
    u = city.units
    point = make_point(territorial=u.community, supervising=u.cg)
    point.latitude, point.longitude = 36.1, 103.8
    point.save()
    at_point = make_issue(unit=u.cg, region=u.a, created=at(11, 1), deadline=at(11, 2))
    at_point.point = point
    at_point.save()
    make_issue(unit=u.cg, region=u.a, created=at(11, 1), deadline=at(11, 3))  # no location
    points = figures.overdue_issue_points(city.users.leader, now=week.now)
    expected = []
    for issue in (Issue.objects.visible_to(city.users.leader).overdue(week.now)
                  .order_by("deadline")):
        if issue.coordinates() is None:
            continue
        lat, lng = issue.coordinates()
        expected.append({"id": issue.pk, "lat": lat, "lng": lng, "title": str(issue.category),
                         "place": issue.location_display, "unit": issue.responsible_unit.name,
                         "days": (week.now - issue.deadline).days,
                         "url": issue.get_absolute_url()})
    assert points == expected
    assert {p["id"] for p in points} == {week.overdue.pk, at_point.pk}
    assert next(p for p in points if p["id"] == at_point.pk)["place"] == point.name
