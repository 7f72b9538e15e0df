"""Schema-driven fuzzing of the whole API: Schemathesis generates requests for every operation
in `/api/schema/` (valid and invalid bodies, odd query strings, unknown ids), sends them
in-process through the WSGI application as each role of a seeded city, and checks that
no answer is a server error and that every answer matches the documented schema.

Bounded: the office's run covers boundary and wrong-type values of every parameter; each other
role gets one random case per operation."""

import datetime as dt
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from issues.models import Issue
from points.models import Point

from .issues.factories import IssueCategoryFactory
from .ledgers.factories import LedgerRequirementFactory
from .points.factories import PointCategoryFactory
from .surveys.factories import survey_with_questions

MAX_EXAMPLES = 4
COVERAGE = os.environ.get("FUZZ_COVERAGE", "1") == "1"


# Loaded once at collection (the schema view needs no database); requests go in-process.
# The coverage phase (boundary and wrong-type values for every parameter) is the
# deterministic part; the fuzzing phase adds MAX_EXAMPLES random cases per operation.
CONFIG = schemathesis.Config.from_dict({
    "seed": 20261121,
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": COVERAGE},
               "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
})
# Deleting is tested per resource (evidence and submissions are archived, never deleted);
# a fuzzer deleting the seed data would test nothing.
# The schema needs a login outside DEBUG; the fuzzer reads it as a local run would.
with override_settings(API_SCHEMA_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), config=CONFIG).exclude(method="DELETE")
    # Every other role: random cases only (the coverage phase is the office run's), fewer.
    ROLE_CONFIG = schemathesis.Config.from_dict({
        "seed": 20261202,
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
    })
    role_schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), config=ROLE_CONFIG).exclude(method="DELETE")
OTHER_ROLES = ["inspector", "leader", "liaison", "unitleader", "pointchief"]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded_city(city):
    """Some data of each kind in the office's district."""
    u = city.units
    category = PointCategoryFactory(name="农贸市场")
    point = Point.objects.create(name="东关农贸市场", category=category, territorial_unit=u.street,
                                 supervising_unit=u.cg, latitude="38.93", longitude="100.45")
    icat = IssueCategoryFactory(name="垃圾堆放")
    for status in (Issue.Status.NEW, Issue.Status.ASSIGNED, Issue.Status.SUBMITTED):
        Issue.objects.create(category=icat, description="路边垃圾堆放", region=u.a,
                             responsible_unit=u.cg, point=point, status=status,
                             deadline=timezone.now() + dt.timedelta(days=2))
    LedgerRequirementFactory(region=u.a, lead_unit=u.cg)
    survey_with_questions(u.a)
    return city


@pytest.fixture
def office_token(seeded_city):
    return Token.objects.create(user=seeded_city.users.office).key


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_answers_without_server_errors(case, office_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {office_token}"},
        checks=[not_a_server_error, content_type_conformance,
                response_schema_conformance],
    )


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("role", OTHER_ROLES)
@role_schema.parametrize()
@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_answers_every_role_with_documented_statuses(case, role, seeded_city):
    """As each other role (inspector, leader, liaison, unit leader, point chief): what the role
    may not do or see answers a documented 403/404, never a 500, in the documented shape."""
    token, _ = Token.objects.get_or_create(user=getattr(seeded_city.users, role))
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
