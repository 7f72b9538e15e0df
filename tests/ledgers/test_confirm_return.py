"""退回修改 of signed material asks first on a page of its own (no script needed)."""

import pytest

from ledgers import services
from ledgers.models import LedgerSubmission

from .test_services import _draft

pytestmark = pytest.mark.django_db


def test_returning_asks_first_then_returns(city, client, req_cg):
    sub = _draft(city, req_cg)
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    client.force_login(city.users.office)
    url = f"/ledgers/submissions/{sub.pk}/return/"
    asked = client.post(url, {"comment_photos": "照片缺少时间、地点标注。"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body and "确认退回" in body
    assert f"退回修改：“{req_cg.title}”台账（区城管局）" in body
    assert 'name="comment_photos" value="照片缺少时间、地点标注。"' in body
    assert LedgerSubmission.objects.get(pk=sub.pk).status == "signed"  # asked only
    done = client.post(url, {"comment_photos": "照片缺少时间、地点标注。", "confirmed": "1"},
                       follow=True)
    assert LedgerSubmission.objects.get(pk=sub.pk).status == "returned"
    assert "已退回区城管局修改，并通知其联络员。" in done.content.decode()
