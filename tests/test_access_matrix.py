"""Every URL in the URL conf, generated so that a new endpoint cannot escape.

- Anonymous visitors get no data (401/403 on the API, a redirect to the login page on pages)
  and no file from any file-serving URL.
- No URL answers 500 to any role, even for ids that do not exist.
- The object matrix (DESIGN.md §2, §6): every URL with an object in its path is exercised by
  every role (office, inspector, leader, liaison, unit leader, point chief) against an object of
  the role's own unit, of another unit in the same district and of the other district, with
  GET, POST and (API) PATCH. An object the role may not see answers 404 (or 403 where the role
  may not open the page at all); a visible object never answers 404. `REGISTRY` says which model
  each URL serves; a URL with an object id that is not registered fails `test_registry_complete`.
- Lists, searches and exports (every URL without an object in its path, as HTML, JSON or
  XLSX) never show another unit's or district's records.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Notification, Unit
from civic.keys import api_key_issue
from civic.models import CivicReport, ReportCategory, ReportPhoto
from dashboard.models import Escalation, EscalationDocument, Report
from issues.models import Holiday, Issue, IssuePhoto
from jobs.models import Job
from ledgers.models import LedgerDocument, LedgerPhoto, LedgerSubmission
from points.models import BaseMapLayer, CheckItem, Inspection, InspectionResult, Point, PointCircle
from surveys.models import Response, Section

from .factories import UnitFactory
from .issues.factories import IssueCategoryFactory, photo
from .ledgers.factories import LedgerRequirementFactory, framework_standard
from .points.factories import PointCategoryFactory
from .surveys.factories import survey_with_questions

# Reachable without logging in, on purpose.
PUBLIC = {
    "healthz",
    "accounts/login/",
    "api/v1/auth/token/",
    "manifest.webmanifest",  # the installable app's name and icons, no data
    "sw.js",  # the service worker; anonymous, it keeps only the static app shell
}
PUBLIC_PREFIXES = ("surveys/s/", "surveys/public/", "static/", "civic/report/", "civic/track/",
                   "open311/")
SKIP_PREFIXES = ("admin/",)  # Django's admin has its own login and its own tests


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _walk_named(patterns, prefix="", namespace=""):
    """(route, URL name with namespace, names of the path parameters) of every pattern."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk_named(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            params = set(entry.pattern.regex.groupindex) - {"format"}
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", params


def _concrete(route):
    """Turn a route into a URL, with 999999 for every id and "x" for other parameters."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<format>[^)]*\)", "json", route)
    route = re.sub(r"\(\?P<\w*(?:pk|id)>[^)]*\)", "999999", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    route = re.sub(r"<int:\w+>", "999999", route)
    route = re.sub(r"<(?:str:|slug:|uuid:|path:)?\w*(?:pk|id)>", "999999", route)
    route = re.sub(r"<(?:str:|slug:|uuid:|path:)?\w+>", "x", route)
    return "/" + route.replace("/?", "/")


def all_urls():
    urls = set()
    for route in _walk(get_resolver().url_patterns):
        url = _concrete(route)
        if url.startswith(tuple("/" + p for p in SKIP_PREFIXES)) or "\\" in url:
            continue
        if url.endswith(".json") or ".(" in url:
            continue
        urls.add(url)
    return sorted(urls)


def _is_public(url):
    path = url.lstrip("/")
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in all_urls() if not _is_public(u)])
def test_anonymous_gets_no_data(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403, 405), response.status_code
    else:
        assert response.status_code in (302, 405), response.status_code
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["office", "leader", "liaison", "pointchief", "inspector"])
def test_no_url_answers_500_to_any_role(client, city, role):
    client.raise_request_exception = False
    client.force_login(getattr(city.users, role))
    failures = []
    for url in all_urls():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} → {response.status_code}")
    assert failures == []


# --- The object matrix ---------------------------------------------------------------------

ROLES = ["office", "inspector", "leader", "liaison", "unitleader", "pointchief"]
REGIONAL = {"office", "inspector", "leader"}
UNIT = {"liaison", "unitleader"}  # both of 区城管局, the "own" unit
EVERYONE = set(ROLES)


@dataclass
class Resource:
    """How to make the objects one family of URLs serves, and who may see which.

    `build(world, role)` returns {position: object}; positions are "own" (the liaison's unit
    区城管局 or the requesting user), "unit" (区住建局, same district), "district" (高新区) or
    "global" (reference data). `sees[position]` is the set of roles that may see it."""

    build: callable
    sees: dict
    kwarg: str = "pk"
    attr: str = "pk"
    markers: dict = field(default_factory=dict)


def _by_world(name):
    return lambda world, role: getattr(world, name)


UNIT_OWNED = {"own": REGIONAL | UNIT, "unit": REGIONAL, "district": set()}
AT_POINT = {"own": REGIONAL | UNIT | {"pointchief"}, "unit": REGIONAL, "district": set()}
REGION_ONLY = {"own": REGIONAL, "district": set()}
JOB_SEES = {"own": EVERYONE, "unit": {"office"}, "district": set()}
# Residents' reports and the Open311 keys: the district's office only.
DISTRICT_OFFICE = {"own": {"office"}, "district": set()}

RESOURCES = {
    # Besides the three positions, the caller's own unit ("mine") and its region ("region",
    # 城关区): seen by the caller, and written only within rules that keep every scope.
    "unit": Resource(
        lambda world, role: {**world.units, "mine": getattr(world.city.users, role).unit,
                             "region": world.city.units.a},
        {**UNIT_OWNED, "mine": EVERYONE, "region": REGIONAL}),
    "user": Resource(_by_world("users"), UNIT_OWNED),
    "user_by_name": Resource(_by_world("users"), UNIT_OWNED, kwarg="username", attr="username"),
    "notification": Resource(
        lambda world, role: {
            "own": Notification.objects.create(recipient=getattr(world.city.users, role),
                                               title="请处理"),
            "unit": world.notifications["unit"],
            "district": world.notifications["district"],
        },
        {"own": EVERYONE, "unit": set(), "district": set()},
    ),
    "point": Resource(_by_world("points"), AT_POINT),
    "circle": Resource(_by_world("circles"), AT_POINT),
    "inspection": Resource(_by_world("inspections"), AT_POINT),
    "inspection_result": Resource(_by_world("results"), AT_POINT),
    "issue": Resource(_by_world("issues"), AT_POINT),
    "issue_photo": Resource(_by_world("issue_photos"), AT_POINT),
    "requirement": Resource(_by_world("requirements"), UNIT_OWNED),
    "submission": Resource(_by_world("submissions"), UNIT_OWNED),
    "ledger_photo": Resource(_by_world("ledger_photos"), UNIT_OWNED),
    "ledger_document": Resource(_by_world("ledger_documents"), UNIT_OWNED),
    # A job: its creator ("own", made by the requesting user) and the office of the
    # creator's region (a job of 区住建局's liaison) see it; a report's job (of 城关区, of
    # 高新区) the office and the leaders of its region, as the report itself.
    "job": Resource(
        lambda world, role: {**world.ledger_exports(role),
                             "report": world.report_jobs["own"],
                             "report_district": world.report_jobs["district"]},
        {**JOB_SEES, "report": {"office", "leader"}, "report_district": set()},
    ),
    "ledger_export": Resource(lambda world, role: world.ledger_exports(role), JOB_SEES),
    # The PDF: only a report's job has one.
    "report_job": Resource(_by_world("report_jobs"), {"own": {"office", "leader"},
                                                      "district": set()}),
    # Surveys run over a district; street and community people see their district's.
    "survey": Resource(_by_world("surveys"), {"own": REGIONAL | {"pointchief"},
                                              "district": set()}),
    "response": Resource(_by_world("responses"), {"own": REGIONAL | {"pointchief"},
                                                  "district": set()}),
    # Parts of a questionnaire are seen with their survey.
    "survey_section": Resource(lambda world, role: {
        pos: s.sections.first() for pos, s in world.surveys.items()},
        {"own": REGIONAL | {"pointchief"}, "district": set()}),
    "survey_question": Resource(lambda world, role: {
        pos: s.questions.first() for pos, s in world.surveys.items()},
        {"own": REGIONAL | {"pointchief"}, "district": set()}),
    "survey_option": Resource(lambda world, role: {
        pos: s.questions.first().options.first() for pos, s in world.surveys.items()},
        {"own": REGIONAL | {"pointchief"}, "district": set()}),
    "report": Resource(_by_world("reports"), REGION_ONLY),
    "escalation_document": Resource(_by_world("escalation_documents"), UNIT_OWNED),
    "framework_item": Resource(_by_world("framework_items"), {"global": EVERYONE}),
    "point_category": Resource(_by_world("point_categories"), {"global": EVERYONE}),
    "issue_category": Resource(_by_world("issue_categories"), {"global": EVERYONE}),
    "holiday": Resource(_by_world("holidays"), {"global": EVERYONE}),
    "civic_report": Resource(_by_world("civic_reports"), DISTRICT_OFFICE),
    "civic_photo": Resource(_by_world("civic_photos"), DISTRICT_OFFICE),
    "civic_region": Resource(_by_world("civic_regions"), DISTRICT_OFFICE),
    "api_key": Resource(_by_world("api_keys"), DISTRICT_OFFICE),
    "basemap_layer": Resource(_by_world("basemap_layers"), DISTRICT_OFFICE),
    "report_category": Resource(_by_world("report_categories"), {"global": {"office"}}),
    # A round over 城关区 (the inspector walks in its team) and one over 高新区.
    "round": Resource(_by_world("rounds"), REGION_ONLY),
    "round_sample": Resource(_by_world("round_samples"), REGION_ONLY, kwarg="sample"),
    "round_team": Resource(_by_world("round_teams"), REGION_ONLY, kwarg="team"),
}

# Every URL with an object in its path → (resource, values for its other path parameters).
# API routes are matched by their router basename, so a new action on a registered viewset
# is covered without an entry here; a new viewset or page is not, and fails the test below.
ISSUE_ACTIONS = ["assign", "submit", "dispute", "request_extension", "grant_extension",
                 "refuse_extension", "approve", "reject", "reassign", "reopen", "comment"]
SUBMISSION_VERBS = ["report", "upload", "sign", "approve", "return", "new-version"]
PAGES = {
    "accounts:unit-detail": ("unit", {}),
    "accounts:notification-open": ("notification", {}),
    "accounts:lockout-reset": ("user_by_name", {}),
    "accounts:account-detail": ("user", {}),
    "accounts:account-password": ("user", {}),
    "accounts:account-active": ("user", {}),
    "accounts:account-handover": ("user", {}),
    "points:point-detail": ("point", {}),
    "points:point-edit": ("point", {}),
    "points:inspection-create": ("point", {}),
    "points:circle-detail": ("circle", {}),
    "points:circle-edit": ("circle", {}),
    "points:inspection-detail": ("inspection", {}),
    "points:inspection-photo": ("inspection_result", {}),
    "points:basemap-delete": ("basemap_layer", {}),
    "issues:issue-detail": ("issue", {}),
    "issues:category-edit": ("issue_category", {}),
    "issues:holiday-delete": ("holiday", {}),
    "issues:issue-action": ("issue", {"action": ISSUE_ACTIONS}),
    "issues:photo-file": ("issue_photo", {"kind": ["file"]}),
    "ledgers:requirement-detail": ("requirement", {}),
    "ledgers:requirement-remind": ("requirement", {}),
    "ledgers:submission-create": ("requirement", {}),
    "ledgers:submission-detail": ("submission", {}),
    "ledgers:submission-report-docx": ("submission", {}),
    "ledgers:submission-action": ("submission", {"verb": SUBMISSION_VERBS}),
    "ledgers:photo-file": ("ledger_photo", {"kind": ["file"]}),
    "ledgers:document-file": ("ledger_document", {"kind": ["file"]}),
    "ledgers:export-download": ("ledger_export", {}),
    "jobs:job-detail": ("job", {}),
    "jobs:job-download": ("job", {}),
    "jobs:job-pdf": ("report_job", {}),
    "job-pdf": ("report_job", {}),
    "surveys:detail": ("survey", {}),
    "surveys:edit": ("survey", {}),
    "surveys:question-add": ("survey", {}),
    "surveys:publish": ("survey", {}),
    "surveys:close": ("survey", {}),
    "surveys:copy": ("survey", {}),
    "surveys:quotas": ("survey", {}),
    "surveys:qr-png": ("survey", {}),
    "surveys:qr-svg": ("survey", {}),
    "surveys:results": ("survey", {}),
    "surveys:export-rates": ("survey", {}),
    "surveys:export-responses": ("survey", {}),
    "surveys:responses": ("survey", {}),
    "surveys:void": ("survey", {}),
    "surveys:entry": ("survey", {}),
    "dashboard:escalation-document-file": ("escalation_document", {"kind": ["file"]}),
    "dashboard:unit-history": ("unit", {}),
    "dashboard:unit-scorecard": ("unit", {}),
    "dashboard:unit-records": ("unit", {"column": ["received", "overdue", "ledgers_due"]}),
    "dashboard-ranking-records": ("unit", {"column": ["received", "overdue", "ledgers_due"]}),
    "ledgers:requirement-edit": ("requirement", {}),
    "ledgers:requirement-sample": ("requirement", {}),
    "surveys:builder": ("survey", {}),
    "surveys:builder-targets": ("survey", {}),
    "surveys:new-version": ("survey", {}),
    "surveys:section-add": ("survey", {}),
    "surveys:section": ("survey", {"section_id": lambda s: [s.sections.first().pk],
                                   "op": ["edit"]}),
    "surveys:builder-question-add": ("survey", {}),
    "surveys:question": ("survey", {"question_id": lambda s: [s.questions.first().pk],
                                    "op": ["edit"]}),
    "surveys:option": ("survey", {"option_id": lambda s: [s.questions.first().options
                                                          .first().pk], "op": ["edit"]}),
    "surveys:export-quotas": ("survey", {}),
    "civic:report-detail": ("civic_report", {}),
    "civic:report-action": ("civic_report", {"action": ["accept", "reject", "merge"]}),
    "civic:photo-file": ("civic_photo", {"kind": ["file"]}),
    "civic:category-edit": ("report_category", {}),
    "civic:policy-save": ("civic_region", {}),
    "civic:key-revoke": ("api_key", {}),
    "civic:key-calls": ("api_key", {}),
    "rounds:round-detail": ("round", {}),
    "rounds:round-edit": ("round", {}),
    "rounds:round-draw": ("round", {}),
    "rounds:round-sample": ("round", {}),
    "rounds:round-teams": ("round", {}),
    "rounds:sample-export": ("round", {}),
    "rounds:scores-export": ("round", {}),
    "rounds:scores-pdf": ("round", {}),
    "rounds:findings-export": ("round", {}),
    "rounds:sample-swap": ("round_sample", {"pk": lambda s: [s.round_id]}),
    "rounds:sample-inspect": ("round_sample", {"pk": lambda s: [s.round_id]}),
    "rounds:route": ("round_team", {"pk": lambda t: [t.round_id]}),
    "round-sample-inspect": ("round_sample", {"pk": lambda s: [s.round_id]}),
}
API_BASENAMES = {
    "unit": "unit",
    "user": "user",
    "notification": "notification",
    "frameworkitem": "framework_item",
    "pointcategory": "point_category",
    "point": "point",
    "pointcircle": "circle",
    "inspection": "inspection",
    "issue-category": "issue_category",
    "issue": "issue",
    "ledger-requirement": "requirement",
    "ledger-submission": "submission",
    "survey": "survey",
    "survey-response": "response",
    "survey-section": "survey_section",
    "survey-question": "survey_question",
    "survey-option": "survey_option",
    "report": "report",
    "job": "job",
    "round": "round",
}
# Reached without logging in on purpose (the public survey form): no scoping to prove.
# The resident's status page is found by its random code alone; Open311 authenticates
# machines by api_key and has its own tests (tests/civic/test_open311.py).
UNSCOPED = {"surveys:public", "surveys:public-community", "civic:track", "open311:discovery",
            "open311:services", "open311:service", "open311:requests", "open311:request",
            "open311:token"}


def object_routes():
    """(URL name, route, parameter names) of every URL with a path parameter."""
    routes = []
    for route, name, params in _walk_named(get_resolver().url_patterns):
        if not params or route.startswith(SKIP_PREFIXES) or name in UNSCOPED:
            continue
        routes.append((name, route, params))
    return routes


def _registered(name):
    if name in PAGES:
        return PAGES[name]
    matches = [b for b in API_BASENAMES if name.startswith(b + "-")]
    if matches:
        return API_BASENAMES[max(matches, key=len)], {}
    return None


def test_registry_complete():
    missing = [f"{name} ({route})" for name, route, _ in object_routes()
               if _registered(name) is None]
    assert missing == [], "register these URLs in tests/test_access_matrix.py: " + ", ".join(
        missing)


def _image_file(name="p.jpg", seed=1):
    return photo(name, seed=seed)


@pytest.fixture
def world(city):
    return build_world(city)


def build_world(city):
    """One object of each model at each position (own unit, other unit, other district)."""
    u = city.units
    b_street = UnitFactory(name="高新区南街街道", kind=Unit.Kind.STREET, parent=u.b)
    b_community = UnitFactory(name="高新区南街社区", kind=Unit.Kind.COMMUNITY, parent=b_street)
    w = SimpleNamespace(city=city)
    owners = {"own": u.cg, "unit": u.zj, "district": u.b_dept}
    region = {"own": u.a, "unit": u.a, "district": u.b}
    territory = {"own": u.street, "unit": u.street, "district": b_street}

    w.units = dict(owners)
    w.users = {"own": city.users.liaison, "unit": city.users.liaison2,
               "district": city.users.liaison_b}
    w.notifications = {pos: Notification.objects.create(recipient=user, title=f"MK{pos}notif")
                       for pos, user in w.users.items() if pos != "own"}

    w.basemap_layers = {pos: BaseMapLayer.objects.create(region=region, kind="street")
                        for pos, region in (("own", u.a), ("district", u.b))}
    pcat = PointCategoryFactory(name="农贸市场")
    check = CheckItem.objects.create(category=pcat, text="地面干净", score=2)
    w.points, w.circles, w.inspections, w.results = {}, {}, {}, {}
    for pos in owners:
        point = Point.objects.create(
            name=f"MK{pos}point", category=pcat, territorial_unit=territory[pos],
            supervising_unit=owners[pos], latitude="38.93", longitude="100.45",
            chief=city.users.pointchief if pos == "own" else None)
        w.points[pos] = point
        w.circles[pos] = PointCircle.objects.create(core=point, name=f"MK{pos}circle")
        insp = Inspection.objects.create(point=point, inspector=city.users.inspector,
                                         passed=False)
        w.inspections[pos] = insp
        w.results[pos] = InspectionResult.objects.create(
            inspection=insp, check_item=check, verdict="fail", photo=_image_file())

    icat = IssueCategoryFactory(name="垃圾堆放")
    w.issues, w.issue_photos = {}, {}
    for pos in owners:
        issue = Issue.objects.create(
            category=icat, description=f"MK{pos}issue", region=region[pos],
            responsible_unit=owners[pos], point=w.points[pos], status=Issue.Status.ASSIGNED,
            deadline=timezone.now() + timezone.timedelta(days=3))
        w.issues[pos] = issue
        w.issue_photos[pos] = IssuePhoto.objects.create(issue=issue, kind="before",
                                                        file=_image_file())

    w.requirements, w.submissions, w.ledger_photos, w.ledger_documents = {}, {}, {}, {}
    for pos in owners:
        req = LedgerRequirementFactory(title=f"MK{pos}ledger", region=region[pos],
                                       lead_unit=owners[pos])
        req.sample.save("sample.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
        w.requirements[pos] = req
        sub = LedgerSubmission.objects.create(requirement=req, unit=owners[pos])
        w.submissions[pos] = sub
        w.ledger_photos[pos] = LedgerPhoto.objects.create(submission=sub, file=_image_file())
        doc = LedgerDocument(submission=sub, content_type="application/pdf", title="方案")
        doc.file.save("a.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"), save=False)
        doc.save()
        w.ledger_documents[pos] = doc

    w.exports, w.surveys, w.responses, w.reports, w.report_jobs = {}, {}, {}, {}, {}
    communities = {"own": u.community, "district": b_community}

    def make_job(user):
        job = Job(kind=Job.Kind.LEDGERS_EXPORT, status=Job.Status.DONE, created_by=user,
                  unit=user.unit, params={"year": 2024}, result_name="x.zip")
        job.result.save("x.zip", io.BytesIO(b"PK\x05\x06" + b"\0" * 18))
        return job

    w.make_job = make_job
    w.ledger_exports = lambda role: {"own": make_job(getattr(city.users, role)),
                                     "unit": w.exports["unit"],
                                     "district": w.exports["district"]}
    w.exports["unit"] = make_job(city.users.liaison2)
    w.exports["district"] = make_job(city.users.office_b)
    for pos in ("own", "district"):
        survey, _ = survey_with_questions(region[pos], title=f"MK{pos}survey")
        Section.objects.create(survey=survey, title="一、基本情况")
        w.surveys[pos] = survey
        w.responses[pos] = Response.objects.create(survey=survey, community=communities[pos],
                                                   channel="household")
        job = Job(kind=Job.Kind.REPORT, status=Job.Status.DONE, unit=region[pos],
                  result_name="r.xlsx", pdf_name="r.pdf")
        job.result.save("r.xlsx", io.BytesIO(b"PK\x05\x06" + b"\0" * 18), save=False)
        job.pdf.save("r.pdf", io.BytesIO(b"%PDF-1.7\n"))
        w.reports[pos] = Report.objects.create(region=region[pos], kind="weekly", job=job,
                                               period_start="2026-01-01",
                                               period_end="2026-01-07")
        w.report_jobs[pos] = job
    w.escalation_documents = {}
    for pos in owners:
        escalation = Escalation.objects.create(unit=owners[pos], kind="notice",
                                               decided_on=timezone.localdate(),
                                               reason=f"MK{pos}escalation")
        doc = EscalationDocument(escalation=escalation, content_type="application/pdf")
        doc.file.save("a.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"), save=False)
        doc.save()
        w.escalation_documents[pos] = doc

    w.framework_items = {"global": framework_standard()}
    w.point_categories = {"global": pcat}
    w.issue_categories = {"global": icat}
    w.holidays = {"global": Holiday.objects.create(date="2026-10-01", name="国庆节")}
    rcat = ReportCategory.objects.create(name="垃圾没人清", service_code="garbage",
                                         issue_category=icat)
    w.report_categories = {"global": rcat}
    w.civic_regions = {"own": u.a, "district": u.b}
    w.civic_reports, w.civic_photos, w.api_keys = {}, {}, {}
    for pos in ("own", "district"):
        report = CivicReport.objects.create(
            region=region[pos], category=rcat, description=f"MK{pos}civicrep",
            latitude="38.930000", longitude="100.450000", address="东街 1 号")
        w.civic_reports[pos] = report
        w.civic_photos[pos] = ReportPhoto.objects.create(report=report, file=_image_file())
        office = city.users.office if pos == "own" else city.users.office_b
        w.api_keys[pos] = api_key_issue(name=f"MK{pos}hotline", region=region[pos],
                                        trusted=False, by=office)[0]
    _add_rounds(w, city)
    return w


def _add_rounds(w, city):
    from points.models import Framework
    from rounds.models import Round, RoundSample, RoundTeam

    framework = Framework.objects.create(name="模拟测评用测评体系", edition="MKedition", year=2026)
    w.rounds, w.round_samples, w.round_teams = {}, {}, {}
    for pos, region, member in (("own", city.units.a, city.users.inspector),
                                ("district", city.units.b, city.users.office_b)):
        r = Round.objects.create(name=f"MK{pos}round", region=region, framework=framework,
                                 starts="2026-03-01", ends="2026-03-05")
        team = RoundTeam.objects.create(round=r, name="第一组")
        team.members.set([member])
        w.rounds[pos] = r
        w.round_teams[pos] = team
        w.round_samples[pos] = RoundSample.objects.create(
            round=r, point=w.points[pos], category=w.points[pos].category, team=team,
            route_order=1)


def _requests_for(name, route, params, resource_key, extra, obj):
    """(method, url) pairs to try for one object on one URL."""
    resource = RESOURCES[resource_key]
    choices = [{}]
    for param in params - {resource.kwarg}:
        values = extra.get(param)
        if callable(values):
            values = values(obj)
        assert values, f"{name}: no values for path parameter {param!r}"
        choices = [dict(c, **{param: v}) for c in choices for v in values]
    methods = ["get", "post"] + (["patch"] if name.endswith("-detail") and
                                 route.startswith("api/") else [])
    for kwargs in choices:
        url = reverse(name, kwargs={resource.kwarg: getattr(obj, resource.attr), **kwargs})
        for method in methods:
            yield method, url


# Who may change an object through the API (by default the office); an empty POST/PATCH
# from anybody else must not succeed.
API_WRITERS = {
    "notification": EVERYONE,  # marking one's own messages read
    "submission": {"office", "liaison", "unitleader"},
}
# Reference data the whole city shares: read by every role, owned above every district, so
# no role of a district (its office included) changes it on any URL, page or API (403).
CITY_OWNED = {"point_category", "issue_category", "holiday"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_object_matrix(client, world, role):
    """Another unit's or district's object answers 404 (403 where the role may not open the
    page at all), on every URL and with every method; a visible object never answers 404."""
    client.raise_request_exception = False
    client.force_login(getattr(world.city.users, role))
    failures = []
    tried = 0
    for name, route, params in object_routes():
        resource_key, extra = _registered(name)
        resource = RESOURCES[resource_key]
        objects = resource.build(world, role)
        for position, obj in objects.items():
            visible = role in resource.sees[position]
            for method, url in _requests_for(name, route, params, resource_key, extra, obj):
                response = getattr(client, method)(url, content_type="application/json") \
                    if method == "patch" else getattr(client, method)(url)
                tried += 1
                status = response.status_code
                if status >= 500:
                    failures.append(f"{method.upper()} {url} ({position}) → {status}")
                elif visible and status == 404:
                    failures.append(f"{method.upper()} {url} ({position}, visible) → 404")
                elif not visible and status not in (403, 404, 405):
                    failures.append(f"{method.upper()} {url} ({position}, hidden) → {status}")
                elif (role == "leader" and method != "get" and url.startswith("/api/")
                      and resource_key != "notification" and status not in (403, 404, 405)):
                    # Leaders read; no API write on campaign data answers other than 403
                    # (marking their own messages read is theirs).
                    failures.append(f"{method.upper()} {url} ({position}, leader) → {status}")
                elif (method != "get" and resource_key in CITY_OWNED
                      and status not in (403, 405)):
                    failures.append(f"{method.upper()} {url} ({position}, the city's) → "
                                    f"{status}")
                elif (method != "get" and url.startswith("/api/") and status < 300
                      and role not in API_WRITERS.get(resource_key, {"office"})):
                    failures.append(f"{method.upper()} {url} ({position}, may not write) → "
                                    f"{status}")
    assert tried > 200
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_role_widens_its_scope_through_its_own_unit_or_region(api, world, role):
    """Changing the kind or the parent of the caller's own unit or region never succeeds in
    a way that widens a scope: afterwards every user sees exactly what they saw before."""
    from accounts.models import User

    def scopes():
        return {user.pk: set(Unit.objects.visible_to(user).values_list("pk", flat=True))
                for user in User.objects.select_related("unit")}

    before = scopes()
    user = getattr(world.city.users, role)
    client = api.as_user(user)
    u = world.city.units
    # Each of these widens somebody's scope or breaks the tree: refused.
    payloads = [{"kind": kind} for kind in ("city", "district", "street", "office")]
    payloads += [{"parent": parent} for parent in (None, u.root.pk, u.b.pk, u.b_dept.pk)]
    payloads += [{"kind": "street", "parent": u.root.pk}]
    for target in {user.unit, u.a}:
        for data in payloads:
            if data.get("kind", target.kind) == target.kind and data.get(
                    "parent", target.parent_id) == target.parent_id:
                continue  # no change asked
            # (an office may still call a street a community: no region changes)
            harmless = set(data) == {"kind"} and target.kind not in Unit.REGION_KINDS and (
                data["kind"] not in Unit.REGION_KINDS)
            response = client.patch(f"/api/v1/units/{target.pk}/", data, format="json")
            assert response.status_code in (400, 403, 404) or harmless, (
                target, data, response.content)
            if response.status_code == 200:
                client.patch(f"/api/v1/units/{target.pk}/", {"kind": target.kind},
                             format="json")
            client.patch(f"/api/v1/units/{user.unit.pk}/", {"name": user.unit.name},
                         format="json")
    for data in ({"kind": "city", "parent": user.unit.pk}, {"kind": "district",
                                                           "parent": u.a.pk}):
        response = client.post("/api/v1/units/", dict(data, name="新区"), format="json")
        assert response.status_code in (400, 403), (data, response.content)
    assert scopes() == before


def _text_of(response):
    """The readable text of a response: HTML/JSON as is, XLSX/zip by their XML parts."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                               if n.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    return body.decode("utf-8", "replace")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_lists_searches_and_exports_show_nothing_of_others(client, world, role):
    """Every URL without an object in its path (lists, maps, searches, exports), plain and
    searched for the markers, shows no record the role may not see."""
    client.raise_request_exception = False
    client.force_login(getattr(world.city.users, role))
    hidden = []
    # resource → the word in its objects' marker text (MK<position><word>, see build_world)
    words = {"point": "point", "circle": "circle", "issue": "issue", "requirement": "ledger",
             "survey": "survey", "notification": "notif", "escalation_document": "escalation",
             "civic_report": "civicrep", "api_key": "hotline"}
    for key, word in words.items():
        for position, visible_roles in RESOURCES[key].sees.items():
            if position in ("unit", "district") and role not in visible_roles:
                hidden.append(f"MK{position}{word}")
    assert hidden
    leaks = []
    for url in all_urls():
        if "999999" in url or "/x/" in url or _is_public(url) or url.startswith("/api/schema"):
            continue
        for query in ("", "?search=MK&q=MK&page_size=200"):
            response = client.get(url + query)
            if response.status_code != 200:
                continue
            text = _text_of(response)
            leaks += [f"{url}{query}: {m}" for m in hidden if m in text]
    assert leaks == []


# --- Files -----------------------------------------------------------------------------------

FILE_URLS = ["issues:photo-file", "ledgers:photo-file", "ledgers:document-file",
             "points:inspection-photo", "ledgers:export-download", "jobs:job-download",
             "job-download", "jobs:job-pdf", "job-pdf", "dashboard:escalation-document-file",
             "ledgers:requirement-sample", "civic:photo-file"]


@pytest.mark.django_db
def test_anonymous_gets_no_evidence_file(client, world):
    """Anonymous requests for every file-serving URL get a redirect or 401/403, never bytes;
    MEDIA_URL itself serves nothing."""
    objects = {"issues:photo-file": world.issue_photos, "ledgers:photo-file": world.ledger_photos,
               "ledgers:document-file": world.ledger_documents,
               "points:inspection-photo": world.results,
               "ledgers:export-download": world.exports,
               "jobs:job-download": world.exports, "job-download": world.exports,
               "jobs:job-pdf": world.report_jobs, "job-pdf": world.report_jobs,
               "dashboard:escalation-document-file": world.escalation_documents,
               "ledgers:requirement-sample": world.requirements,
               "civic:photo-file": world.civic_photos}
    assert set(objects) == set(FILE_URLS)
    names = {name for name, _, _ in object_routes()}
    assert set(FILE_URLS) <= names
    for name in FILE_URLS:
        for obj in objects[name].values():
            kwargs = {"pk": obj.pk}
            if "photo-file" in name or "document-file" in name:
                kwargs["kind"] = "file"
            response = client.get(reverse(name, kwargs=kwargs))
            assert response.status_code in (302, 401, 403), (name, response.status_code)
            assert not response.has_header("X-Accel-Redirect")
            assert not getattr(response, "streaming", False)
    for photo_obj in world.issue_photos.values():
        for prefix in (settings.MEDIA_URL, "/media/", "/var/media/", "/"):
            response = client.get(prefix + photo_obj.file.name)
            assert response.status_code in (301, 302, 404), (prefix, response.status_code)


@pytest.mark.django_db
def test_every_file_url_is_in_the_file_list():
    """A new URL that serves files (its view calls serve_file) must be added to FILE_URLS."""
    import inspect

    serving = set()
    for name, pattern_route, _params in object_routes():
        match = get_resolver().resolve(_concrete(pattern_route).replace("999999", "1")
                                       .replace("/x/", "/file/"))
        actions = getattr(match.func, "actions", None)
        if actions:  # a DRF viewset route: the methods it dispatches to
            cls = match.func.cls
            parts = [getattr(cls, a) for a in actions.values()]
        else:
            parts = [getattr(match.func, "view_class", None) or match.func]
        if any("serve_file" in inspect.getsource(p) for p in parts):
            serving.add(name)
    assert serving <= set(FILE_URLS), serving - set(FILE_URLS)
