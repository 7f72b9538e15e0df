"""Seeds the scale-out stack's own database with a minimal city and prints its ids as JSON.

Run as `python -m tests.scaleout.seed` with the stack's environment (DATABASE_URL, ...):
the rows are committed, so the web and worker processes see them."""

import datetime as dt
import json

import django


def main():
    django.setup()
    from django.utils import timezone

    from accounts.models import Role, Unit
    from evidence.validators import validate_image
    from issues.models import Issue
    from ledgers import services
    from tests.evidence.images import jpeg_bytes, upload
    from tests.factories import UnitFactory, UserFactory
    from tests.issues.factories import IssueCategoryFactory
    from tests.ledgers.conftest import REPORT
    from tests.ledgers.factories import LedgerRequirementFactory

    root = UnitFactory(name="示范市", kind=Unit.Kind.CITY)
    a = UnitFactory(name="城关区", kind=Unit.Kind.DISTRICT, parent=root)
    office_unit = UnitFactory(name="城关区创城办", kind=Unit.Kind.OFFICE, parent=a)
    cg = UnitFactory(name="区城管局", kind=Unit.Kind.DEPARTMENT, parent=a)
    b = UnitFactory(name="高新区", kind=Unit.Kind.DISTRICT, parent=root)
    b_office = UnitFactory(name="高新区创城办", kind=Unit.Kind.OFFICE, parent=b)
    b_dept = UnitFactory(name="高新区城管局", kind=Unit.Kind.DEPARTMENT, parent=b)
    office = UserFactory(username="office", unit=office_unit, role=Role.OFFICE)
    liaison = UserFactory(username="liaison", unit=cg, role=Role.LIAISON)
    unitleader = UserFactory(username="unitleader", unit=cg, role=Role.UNIT_LEADER)
    UserFactory(username="office_b", unit=b_office, role=Role.OFFICE)
    UserFactory(username="liaison_b", unit=b_dept, role=Role.LIAISON)
    issues = [Issue.objects.create(category=IssueCategoryFactory(name=f"垃圾堆放{n}"),
                                   description="路边垃圾堆放", region=a, responsible_unit=cg,
                                   status=Issue.Status.ASSIGNED,
                                   deadline=timezone.now() + dt.timedelta(days=2))
              for n in range(3)]
    requirement = LedgerRequirementFactory(region=a, lead_unit=cg)
    photo = upload(jpeg_bytes(seed=11))
    photo.evidence_info = validate_image(photo)
    sub = services.ledger_submission_create(requirement=requirement, by=liaison, photos=[photo],
                                            report=REPORT,
                                            captions={"caption_subject": "文明交通宣传"})
    services.ledger_submission_sign(submission=sub, by=unitleader)
    services.ledger_submission_approve(submission=sub, by=office)
    print(json.dumps({"issues": [i.pk for i in issues], "year": requirement.year,
                      "password": "pw-123456"}))


if __name__ == "__main__":
    main()
