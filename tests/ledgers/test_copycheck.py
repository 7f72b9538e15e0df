"""Copied-report check: copies across units and years are flagged with the other report, the
similarity and the shared passages; the office's template is not copying; unreadable
documents are skipped with a note; the check runs on signing, again without harm, and by the
sweeper and the one-off command."""

import io
from unittest import mock

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfWriter

from evidence.validators import validate_document
from ledgers import textcheck
from ledgers.copycheck import ledger_report_check
from ledgers.models import (
    LedgerDocument,
    LedgerSubmission,
    ReportBand,
    ReportCheckSettings,
    ReportFingerprint,
    ReportMatch,
)
from ledgers.tasks import sweep_unchecked_reports

from .factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db

ORIGINAL = {
    "responsibility": "区城管局成立以局长为组长、分管副局长为副组长的文明交通宣传工作领导小组，"
                      "下设办公室在市容科，明确三名专职联络员负责日常调度和台账整理。",
    "deployment": "印发《区城管局二〇二四年文明交通宣传月活动方案》，召开全局动员部署会，"
                  "将任务分解到五个执法中队，实行周调度、月通报制度。",
    "measures": "在主次干道路口设立文明劝导岗十二个，组织执法队员和志愿者每日早晚高峰上岗劝导，"
                "深入沿街商户发放倡议书，利用户外大屏滚动播放文明出行公益广告。",
    "data": "活动期间累计开展劝导四百余人次，纠正非机动车闯红灯、逆行等不文明行为两千余起，"
            "发放宣传资料六千份。",
    "results": "重点路口非机动车守法率由百分之八十一提升到百分之九十四，市电视台专题报道两次，"
               "群众对道路通行秩序的满意度明显提高。",
}
OTHER = {
    "responsibility": "区住建局由党组书记牵头抓总，建管科负责具体落实，各项目部经理为施工工地"
                      "文明创建第一责任人，形成一级抓一级的责任链条。",
    "deployment": "制定《建筑工地文明施工专项整治方案》，与全区四十三个在建项目签订责任书。",
    "measures": "开展扬尘治理、围挡美化和渣土车密闭运输专项检查，设置公益广告围挡，"
                "对问题工地下达整改通知书并跟踪复查。",
    "data": "检查在建工地一百二十余次，下达整改通知三十八份，新增公益广告围挡一点二万平方米。",
    "results": "工地扬尘投诉同比下降四成，两处工地被评为市级文明工地。",
}


def copy_with_changes(report):
    """The original with the unit's name and a few words changed, as a copier would."""
    out = {k: v.replace("区城管局", "区住建局").replace("执法中队", "业务科室")
           for k, v in report.items()}
    out["data"] = out["data"].replace("四百余", "三百余").replace("六千", "五千")
    return out


def signed(requirement, unit, report, *, when=None):
    sub = LedgerSubmission.objects.create(requirement=requirement, unit=unit, report=report,
                                          status=LedgerSubmission.Status.SIGNED,
                                          signed_at=when or timezone.now())
    return sub


@pytest.fixture
def shared_req(city):
    """One task both departments of district A report on (lead 城管局, contributing 住建局)."""
    return LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                    contributing=[city.units.zj], year=2025)


def test_a_copy_from_another_unit_with_a_few_words_changed_is_flagged(city, shared_req):
    original = signed(shared_req, city.units.cg, ORIGINAL)
    ledger_report_check(submission=original)
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=copy)

    match = ReportMatch.objects.get(submission=copy)
    assert match.other == original
    assert match.kind == ReportMatch.Kind.OTHER_UNIT
    assert match.similarity >= 0.5
    fp_copy, fp_orig = copy.fingerprint, original.fingerprint
    passages = [fp_copy.text[a:b] for a, b, _c, _d in match.passages]
    assert any("文明劝导岗十二个" in p for p in passages)
    assert all(fp_orig.text[c:d] for _a, _b, c, d in match.passages)
    # The original is not flagged a second time by its own re-check.
    ledger_report_check(submission=original)
    assert ReportMatch.objects.count() == 1


def test_a_different_report_is_not_flagged(city, shared_req):
    ledger_report_check(submission=signed(shared_req, city.units.cg, ORIGINAL))
    ledger_report_check(submission=signed(shared_req, city.units.zj, OTHER))
    assert not ReportMatch.objects.exists()


def test_a_report_sharing_only_the_office_template_is_not_flagged(city, shared_req):
    heading = ("按照创建全国文明城市测评体系要求，现将本单位文明交通宣传工作情况报告如下，"
               "请各单位严格对照测评标准逐项填报，确保材料真实准确、数据可查可核。")
    ReportCheckSettings.objects.create(region=city.units.a, template_text=heading)
    a = {k: f"{heading}{v}" for k, v in ORIGINAL.items()}
    b = {k: f"{heading}{v}" for k, v in OTHER.items()}
    ledger_report_check(submission=signed(shared_req, city.units.cg, a))
    ledger_report_check(submission=signed(shared_req, city.units.zj, b))
    assert not ReportMatch.objects.exists()


def test_without_the_template_excluded_the_same_pair_would_share_passages():
    heading = "按照创建全国文明城市测评体系要求现将本单位文明交通宣传工作情况报告如下"
    spans = textcheck.passages(heading + ORIGINAL["data"], heading + OTHER["data"])
    assert spans  # the heading itself is a shared passage…
    template = textcheck.shingles(textcheck.normalise(heading))
    assert textcheck.passages(heading + ORIGINAL["data"], heading + OTHER["data"],
                              template) == []  # …unless it is the office's template


def test_signatures_and_band_keys_are_datasketchs_minhash_of_the_shingles():
    """The index keeps signatures and band keys: the numpy signature must give exactly the
    values of datasketch's MinHash over the same shingle hashes (an empty set included),
    and the band keys those of one blake2b per band."""
    import hashlib

    import numpy as np
    from datasketch import LeanMinHash, MinHash

    texts = ["", "文明", *ORIGINAL.values(), "".join(OTHER.values()) * 3]
    for text in texts:
        hashes = textcheck.shingle_hashes(textcheck.normalise(text))
        reference = MinHash(num_perm=textcheck.NUM_PERM, seed=textcheck.SEED,
                            scheme=textcheck.SCHEME, hashfunc=int)
        reference.update_batch(hashes.tolist())
        expected = LeanMinHash(reference).hashvalues.astype(np.uint32)
        sig = textcheck.signature(hashes)
        assert sig.dtype == np.uint32 and sig.tolist() == expected.tolist()
        rows = textcheck.ROWS
        assert textcheck.band_keys(sig) == [
            int.from_bytes(hashlib.blake2b(expected[b * rows:(b + 1) * rows].tobytes(),
                                           digest_size=8, person=b"band%04d" % b).digest(),
                           "big", signed=True)
            for b in range(textcheck.BANDS)]
    sigs = np.array([textcheck.signature(textcheck.shingle_hashes(textcheck.normalise(t)))
                     for t in texts[2:]])
    assert textcheck.similarities(sigs[0], sigs).tolist() == [
        textcheck.similarity(sigs[0], s) for s in sigs]


def test_reusing_last_years_own_report_is_flagged_as_such(city):
    last = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2024)
    this = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2025)
    old = signed(last, city.units.cg, ORIGINAL)
    ledger_report_check(submission=old)
    new = signed(this, city.units.cg, {**ORIGINAL, "deployment": "印发二〇二五年方案。"})
    ledger_report_check(submission=new)
    match = ReportMatch.objects.get(submission=new)
    assert (match.other, match.kind) == (old, ReportMatch.Kind.OWN_PAST)
    assert match.get_kind_display() == "照搬本单位往年材料"


def test_another_units_report_of_an_earlier_year_is_its_own_kind(city):
    last = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2024)
    this = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj, year=2025)
    ledger_report_check(submission=signed(last, city.units.cg, ORIGINAL))
    new = signed(this, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=new)
    assert ReportMatch.objects.get(submission=new).kind == ReportMatch.Kind.OTHER_PAST


def test_own_versions_and_other_tasks_of_the_same_year_are_not_copies(city, shared_req):
    first = signed(shared_req, city.units.cg, ORIGINAL)
    ledger_report_check(submission=first)
    first.status, first.is_current = LedgerSubmission.Status.RETURNED, False
    first.save()
    second = LedgerSubmission.objects.create(
        requirement=shared_req, unit=city.units.cg, version=2, previous=first, report=ORIGINAL,
        status=LedgerSubmission.Status.SIGNED, signed_at=timezone.now())
    ledger_report_check(submission=second)
    other_task = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                          year=2025)
    ledger_report_check(submission=signed(other_task, city.units.cg, ORIGINAL))
    assert not ReportMatch.objects.exists()
    # Only the newest version of the chain stays in the index.
    assert set(ReportBand.objects.values_list("fingerprint__submission", flat=True)) == {
        second.pk, LedgerSubmission.objects.get(requirement=other_task).pk}


def test_the_office_threshold_decides(city, shared_req):
    ReportCheckSettings.objects.create(region=city.units.a, threshold=0.95)
    ledger_report_check(submission=signed(shared_req, city.units.cg, ORIGINAL))
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=copy)
    assert not ReportMatch.objects.exists()
    ReportCheckSettings.objects.filter(region=city.units.a).update(threshold=0.4)
    ledger_report_check(submission=copy)
    assert ReportMatch.objects.filter(submission=copy).exists()


def test_running_the_check_twice_gives_the_same_rows(city, shared_req):
    ledger_report_check(submission=signed(shared_req, city.units.cg, ORIGINAL))
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=copy)
    before = (list(ReportMatch.objects.values_list("submission", "other", "similarity")),
              ReportBand.objects.count(), ReportFingerprint.objects.count())
    ledger_report_check(submission=copy)
    after = (list(ReportMatch.objects.values_list("submission", "other", "similarity")),
             ReportBand.objects.count(), ReportFingerprint.objects.count())
    assert before == after and before[1] == 2 * textcheck.BANDS


def _document(sub, name, content):
    upload = SimpleUploadedFile(name, content)
    info = validate_document(upload)
    doc = LedgerDocument(submission=sub, title=name)
    doc.attach(upload, info)
    doc.save()
    return doc


def _docx(paragraphs):
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_word_document_text_is_compared_too(city, shared_req):
    first = signed(shared_req, city.units.cg, {"results": "见附件。"})
    _document(first, "工作总结.docx", _docx(list(ORIGINAL.values())))
    ledger_report_check(submission=first)
    assert "文明劝导岗十二个" in first.fingerprint.text
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=copy)
    assert ReportMatch.objects.get(submission=copy).other == first


def test_an_encrypted_or_broken_pdf_is_skipped_with_a_note(city, shared_req):
    sub = signed(shared_req, city.units.cg, ORIGINAL)
    _document(sub, "加密方案.pdf", _encrypted_pdf())
    broken = _document(sub, "损坏.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    fingerprint = ledger_report_check(submission=sub)
    assert fingerprint is not None and fingerprint.shingle_count > 0
    assert any("加密方案.pdf" in n and "加密" in n for n in fingerprint.notes)
    assert any("损坏.pdf" in n for n in fingerprint.notes)
    broken.file.storage.delete(broken.file.name)  # a file lost from storage: a note as well
    fingerprint = ledger_report_check(submission=sub)
    assert any("不存在" in n for n in fingerprint.notes)


def test_signing_enqueues_the_check_after_commit(city, django_capture_on_commit_callbacks):
    from ledgers import services
    from ledgers.tasks import check_report_text_task

    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, photo_count=0,
                                   year=2025)
    sub = LedgerSubmission.objects.create(requirement=req, unit=city.units.cg, report=ORIGINAL)
    with mock.patch.object(check_report_text_task, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    delay.assert_called_once_with(sub.pk)
    check_report_text_task(sub.pk)  # the task itself, as the worker runs it
    assert ReportFingerprint.objects.filter(submission=sub).exists()
    check_report_text_task(999999)  # a submission gone meanwhile: quietly nothing


def test_the_sweeper_checks_reports_whose_task_was_lost(city, shared_req):
    old = timezone.now() - timezone.timedelta(minutes=30)
    lost = signed(shared_req, city.units.cg, ORIGINAL, when=old)
    just_now = signed(shared_req, city.units.zj, OTHER)
    LedgerSubmission.objects.create(requirement=shared_req, unit=city.units.b_dept,
                                    report=ORIGINAL)  # a draft: never checked
    assert sweep_unchecked_reports() == 1
    assert ReportFingerprint.objects.filter(submission=lost).exists()
    assert not ReportFingerprint.objects.filter(submission=just_now).exists()
    assert sweep_unchecked_reports() == 0


def test_the_one_off_command_indexes_every_signed_report(city, shared_req):
    signed(shared_req, city.units.cg, ORIGINAL, when=timezone.now() - timezone.timedelta(1))
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    out = io.StringIO()
    call_command("index_ledger_reports", stdout=out)
    assert "共核查 2 份报告，其中 1 份疑似雷同" in out.getvalue()
    assert ReportMatch.objects.get().submission == copy
    call_command("index_ledger_reports", stdout=out)  # again: the same rows
    assert ReportMatch.objects.count() == 1 and ReportFingerprint.objects.count() == 2
    assert ReportBand.objects.count() == 2 * textcheck.BANDS
    late = signed(shared_req, city.units.b_dept, copy_with_changes(ORIGINAL))
    out = io.StringIO()
    call_command("index_ledger_reports", "--only-missing", stdout=out)
    assert "共核查 1 份报告，其中 1 份疑似雷同" in out.getvalue()
    assert ReportMatch.objects.filter(submission=late).count() == 2


@pytest.fixture
def flagged(city, shared_req):
    """区住建局's report copied from 区城管局's, both checked."""
    original = signed(shared_req, city.units.cg, ORIGINAL)
    ledger_report_check(submission=original)
    copy = signed(shared_req, city.units.zj, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=copy)
    return original, copy


def test_the_review_page_shows_both_reports_side_by_side(client, city, flagged):
    original, copy = flagged
    client.force_login(city.users.office)
    body = client.get(copy.get_absolute_url()).content.decode()
    assert "疑似雷同" in body and "与其他单位同年材料雷同" in body
    assert original.get_absolute_url() in body and "区城管局" in body
    assert "<mark>" in body and "相似度" in body
    # The original's page shows the pair too.
    body = client.get(original.get_absolute_url()).content.decode()
    assert copy.get_absolute_url() in body and "<mark>" in body


def test_the_api_carries_the_flag_with_the_other_report(api, city, flagged):
    original, copy = flagged
    data = api.as_user(city.users.office).get(f"/api/v1/ledger-submissions/{copy.pk}/").json()
    check = data["text_check"]
    assert check["flagged"] is True and check["notes"] == []
    match = check["matches"][0]
    assert match["kind"] == "other_unit" and match["other"]["id"] == original.pk
    assert match["other"]["unit_name"] == "区城管局" and match["similarity"] >= 0.5
    assert any("文明劝导岗" in p["text"] for p in match["passages"])
    listed = api.as_user(city.users.office).get("/api/v1/ledger-submissions/").json()
    by_id = {r["id"]: r for r in listed["results"]}
    assert by_id[copy.pk]["text_check"]["matches"][0]["other"]["id"] == original.pk
    assert by_id[original.pk]["text_check"]["matches"][0]["other"]["id"] == copy.pk


def test_a_unit_sees_no_details_of_a_report_it_may_not_see(api, client, city, flagged):
    original, copy = flagged
    data = api.as_user(city.users.liaison2).get(f"/api/v1/ledger-submissions/{copy.pk}/").json()
    match = data["text_check"]["matches"][0]
    assert match["other"] is None and match["passages"] == []
    client.force_login(city.users.liaison2)
    body = client.get(copy.get_absolute_url()).content.decode()
    assert "相似度较高" in body and original.get_absolute_url() not in body
    assert "文明劝导岗十二个" not in body.split("说明报告")[0]  # no passage of the original
    # The other district sees neither report nor flag.
    assert api.as_user(city.users.office_b).get(
        f"/api/v1/ledger-submissions/{copy.pk}/").status_code == 404
    client.force_login(city.users.office_b)
    assert client.get("/ledgers/copy-check/").status_code == 200
    assert "区住建局" not in client.get("/ledgers/copy-check/").content.decode()


def test_own_last_year_is_shown_to_the_unit_itself(api, city):
    last = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2024)
    this = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2025)
    old = signed(last, city.units.cg, ORIGINAL)
    ledger_report_check(submission=old)
    new = signed(this, city.units.cg, ORIGINAL)
    ledger_report_check(submission=new)
    data = api.as_user(city.users.liaison).get(f"/api/v1/ledger-submissions/{new.pk}/").json()
    match = data["text_check"]["matches"][0]
    assert match["kind_display"] == "照搬本单位往年材料" and match["other"]["id"] == old.pk


def test_unchecked_and_unsigned_reports_say_so(api, client, city, shared_req):
    sub = signed(shared_req, city.units.cg, ORIGINAL)
    client.force_login(city.users.office)
    assert "文字雷同核查进行中" in client.get(sub.get_absolute_url()).content.decode()
    assert api.as_user(city.users.office).get(
        f"/api/v1/ledger-submissions/{sub.pk}/").json()["text_check"] is None
    ledger_report_check(submission=sub)
    assert "未发现与其他单位或往年材料雷同" in client.get(sub.get_absolute_url()).content.decode()


def test_the_submissions_list_costs_the_same_queries_with_more_flags(
        api, city, shared_req):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api.as_user(city.users.office)
    ledger_report_check(submission=signed(shared_req, city.units.cg, ORIGINAL))
    ledger_report_check(submission=signed(shared_req, city.units.zj,
                                          copy_with_changes(ORIGINAL)))
    client.get("/api/v1/ledger-submissions/")  # the user's unit, loaded once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/ledger-submissions/")
    for n, unit in enumerate([city.units.street, city.units.community, city.units.cg_team]):
        req = LedgerRequirementFactory(region=city.units.a, lead_unit=unit, year=2025)
        report = {**copy_with_changes(ORIGINAL), "results": f"第{n}份"}
        ledger_report_check(submission=signed(req, unit, report))
    assert ReportMatch.objects.count() >= 4
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/ledger-submissions/")
    # count, page, photos, documents, fingerprints, matches, flagged texts
    assert len(many.captured_queries) == len(few.captured_queries) == 7


def test_the_office_sets_threshold_and_template(client, city):
    client.force_login(city.users.office)
    response = client.post("/ledgers/copy-check/", {"threshold": "70",
                                                    "template_text": "统一标题"})
    assert response.status_code == 302
    found = ReportCheckSettings.objects.get(region=city.units.a)
    assert (found.threshold, found.template_text) == (0.7, "统一标题")
    assert 'value="70"' in client.get("/ledgers/copy-check/").content.decode()


def test_bad_settings_get_400_and_change_nothing(client, city):
    client.force_login(city.users.office)
    for bad, message in [({"threshold": "10"}, "不能低于 30"), ({"threshold": "99"}, "不能高于 95"),
                         ({"threshold": "abc"}, "30 到 95"), ({}, "请填写雷同阈值")]:
        response = client.post("/ledgers/copy-check/", bad)
        assert response.status_code == 400 and message in response.content.decode()
    assert not ReportCheckSettings.objects.exists()


def test_only_the_office_changes_settings(client, city):
    client.force_login(city.users.leader)
    assert client.get("/ledgers/copy-check/").status_code == 200
    assert client.post("/ledgers/copy-check/", {"threshold": "60"}).status_code == 403
    for who in ("liaison", "unitleader", "inspector"):
        client.force_login(getattr(city.users, who))
        assert client.get("/ledgers/copy-check/").status_code == 403, who
    client.logout()
    assert client.get("/ledgers/copy-check/").status_code == 302
    assert not ReportCheckSettings.objects.exists()


def test_the_office_exports_its_regions_flagged_list(client, city, flagged):
    """Only the office, only its region's findings; the other report named, the similarity,
    the passages counted, the kind labelled; a bad year or kind is 400."""
    from jobs.excel import read_report

    original, copy = flagged
    last = LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept, year=2024)
    this = LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept, year=2025)
    old = signed(last, city.units.b_dept, OTHER)
    ledger_report_check(submission=old)
    reused = signed(this, city.units.b_dept, OTHER)
    ledger_report_check(submission=reused)
    assert ReportMatch.objects.count() == 2

    client.force_login(city.users.office)
    response = client.get("/ledgers/copy-check/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    title, header, rows = read_report(io.BytesIO(response.content))
    assert title.startswith("材料雷同核查清单") and "筛选条件：全部" in title
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    match = ReportMatch.objects.get(submission=copy)
    assert row["报告单位"] == "区住建局" and row["对比报告单位"] == "区城管局"
    assert row["类型"] == "与其他单位同年材料雷同"
    assert row["相似度（%）"] == round(match.similarity * 100)
    assert row["相同段落（处）"] == len(match.passages) > 0
    assert row["核查页面"] == f"http://testserver{copy.get_absolute_url()}#copy-check"
    assert row["对比报告页面"] == f"http://testserver{original.get_absolute_url()}"

    client.force_login(city.users.office_b)
    rows = read_report(io.BytesIO(client.get("/ledgers/copy-check/export/",
                                             {"kind": "own_past"}).content))[2]
    assert [r[0] for r in rows] == ["高新区城管局"] and rows[0][5] == "照搬本单位往年材料"
    assert read_report(io.BytesIO(client.get("/ledgers/copy-check/export/",
                                             {"year": 2024}).content))[2] == []
    bad = client.get("/ledgers/copy-check/export/", {"year": "去年"})
    assert bad.status_code == 400 and "年度不正确" in bad.content.decode()
    bad = client.get("/ledgers/copy-check/export/", {"kind": "whatever"})
    assert bad.status_code == 400 and "类型不正确" in bad.content.decode()

    for user in (city.users.leader, city.users.liaison, city.users.unitleader):
        client.force_login(user)
        assert client.get("/ledgers/copy-check/export/").status_code == 403
    client.logout()
    assert client.get("/ledgers/copy-check/export/").status_code == 302


def test_the_flagged_list_export_costs_the_same_queries_with_more_rows(
        client, city, shared_req, django_assert_max_num_queries):
    original = signed(shared_req, city.units.cg, ORIGINAL)
    ledger_report_check(submission=original)
    for n in range(3):
        unit = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg_team,
                                        year=2025)
        ledger_report_check(submission=signed(unit, city.units.cg_team,
                                              copy_with_changes(ORIGINAL)))
        del n
    assert ReportMatch.objects.count() >= 3
    client.force_login(city.users.office)
    with django_assert_max_num_queries(8):
        assert client.get("/ledgers/copy-check/export/").status_code == 200


def _pdf_bytes():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_bad_or_encrypted_pdf_never_fails_the_workers_check(city, shared_req):
    """The task as the worker runs it (and the one-off indexing) finishes for a report whose
    only documents cannot be read: the report's own text is checked, the files are named in
    a note on the review page."""
    from ledgers.copycheck import index_all_reports
    from ledgers.tasks import check_report_text_task

    sub = signed(shared_req, city.units.cg, {"results": "见附件。"})
    _document(sub, "加密方案.pdf", _encrypted_pdf())
    _document(sub, "截断.pdf", _pdf_bytes()[:200])
    result = check_report_text_task.apply(args=[sub.pk])
    assert result.successful(), result.traceback
    notes = ReportFingerprint.objects.get(submission=sub).notes
    assert any("加密方案.pdf" in n for n in notes) and any("截断.pdf" in n for n in notes)
    assert index_all_reports() == (1, 0)
    assert len(ReportFingerprint.objects.get(submission=sub).notes) == 2


def test_the_review_page_names_own_last_year_and_counts_passages(client, city):
    last = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2024)
    this = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2025)
    old = signed(last, city.units.cg, ORIGINAL)
    ledger_report_check(submission=old)
    reused = signed(this, city.units.cg, copy_with_changes(ORIGINAL))
    ledger_report_check(submission=reused)
    client.force_login(city.users.office)
    body = client.get(reused.get_absolute_url()).content.decode()
    assert "照搬本单位往年材料" in body and "本单位 2024 年的报告" in body
    assert old.get_absolute_url() in body and "相同段落" in body and "<mark>" in body
