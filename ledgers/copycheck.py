"""The copied-report check as the worker runs it: read a signed report's text, compare it
through the persistent LSH index (`ReportBand`) with the reports it may not copy, record
what it overlaps (`ReportMatch`) and put it into the index. See `ledgers.textcheck` for the
text side (normalising, shingles, MinHash, passages).

Which pairs count, for a report of unit U in year Y:
- another unit's report of year Y → "与其他单位同年材料雷同" (one row per pair: the report
  checked second carries it, the review pages of both show it);
- any unit's report of an earlier year → U's own → "照搬本单位往年材料", another's →
  "与其他单位往年材料雷同";
- U's other reports of year Y and later years' reports are not compared (the later one is
  flagged when it is checked).
"""

import json
from functools import cached_property
from types import SimpleNamespace

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from jobs.bulk import copy_into, reserve_ids

from . import textcheck as tc
from .models import (
    REPORT_ELEMENTS,
    LedgerSubmission,
    ReportBand,
    ReportCheckSettings,
    ReportFingerprint,
    ReportMatch,
    submission_visible_to,
)

K = ReportMatch.Kind
ELEMENT_TEMPLATE = [f"{label} {hint}" for label, hint in REPORT_ELEMENTS.values()]


def check_settings(region_id):
    """The region's settings, or the defaults when the office never changed them."""
    found = ReportCheckSettings.objects.filter(region_id=region_id).first()
    return found or ReportCheckSettings(region_id=region_id, threshold=tc.DEFAULT_THRESHOLD)


def report_text(submission):
    """(text, notes): the five elements under their headings, then each readable document's
    text; notes say which documents could not be read and why."""
    parts, notes = [], []
    for key, (label, _hint) in REPORT_ELEMENTS.items():
        value = str(submission.report.get(key, "") or "").strip()
        if value:
            parts.append(f"【{label}】\n{value}")
    for doc in submission.documents.all():
        text, note = tc.document_text(doc)
        if note:
            notes.append(note)
        if text.strip():
            parts.append(f"【{doc.title or doc.original_name}】\n{text.strip()}")
    return "\n\n".join(parts), notes


def template_texts(requirement, settings):
    """What the office hands out: element headings and hints, the task's 填报说明, its
    sample document's text and the region's template text."""
    texts = [*ELEMENT_TEMPLATE, requirement.guidance, settings.template_text]
    if requirement.sample and requirement.sample.name.lower().rsplit(".", 1)[-1] in (
            "pdf", "docx"):
        sample = SimpleNamespace(file=requirement.sample, title="样例文件", original_name="",
                                 content_type="")
        texts.append(tc.document_text(sample)[0])
    return [t for t in texts if t]


class Template:
    """A task's template, as shingle hashes (for the signature) and strings (for passages,
    built on first use: only a report that overlaps another needs them)."""

    def __init__(self, texts):
        self.texts = texts
        self.hashes = tc.template_hashes(*texts)

    @cached_property
    def strings(self):
        out = set()
        for t in self.texts:
            out |= tc.shingles(tc.normalise(t))
        return out


def fingerprint_of(text, template):
    """(signature, shingle count) of a text with the template's shingles removed."""
    hashes = tc.shingle_hashes(tc.normalise(text))
    if len(template.hashes):
        # The template's hashes are sorted: a binary search per shingle instead of
        # `setdiff1d`, which sorts both sets again for every report.
        at = np.searchsorted(template.hashes, hashes).clip(max=len(template.hashes) - 1)
        hashes = hashes[template.hashes[at] != hashes]
    return tc.signature(hashes), len(hashes)


def kind_of(unit_id, year, other_unit_id, other_year):
    """The match kind of a pair, or None when the pair is not compared (see module doc)."""
    if other_year > year:
        return None
    if other_year == year:
        return None if other_unit_id == unit_id else K.OTHER_UNIT
    return K.OWN_PAST if other_unit_id == unit_id else K.OTHER_PAST


def min_band_hits(threshold):
    """Band keys a candidate must share. Two from a threshold of 0.5: a pair at 0.5 shares
    two of the 42 bands with probability 0.97 (a copy with a few words changed, ≥ 0.7, with
    probability 1.00), while the boilerplate every report shares (similarity 0.1–0.25) rarely
    reaches two. Below 0.5 one shared band is enough, at the cost of more candidates."""
    return 2 if threshold >= 0.5 else 1


def candidates(keys, *, exclude_chain, min_hits=1):
    """The ids of the fingerprints sharing at least `min_hits` band keys, without the checked
    report's own version chain (requirement id, unit id), as a subquery. The hits are
    counted by the database (`GROUP BY … HAVING`), and the chain is left out by a subquery
    of its few fingerprints. Joining every band row to its fingerprint and submission
    instead made PostgreSQL hash both whole tables (≈60 of the check's 97 ms at 20,000
    reports), and the boilerplate bands (some held by one report in ten) sent ≈2,000 rows
    to be counted in Python for the ≈70 that share two keys."""
    req_id, unit_id = exclude_chain
    chain = ReportFingerprint.objects.filter(submission__requirement_id=req_id,
                                             submission__unit_id=unit_id).values("pk")
    return (ReportBand.objects.filter(key__in=keys).exclude(fingerprint_id__in=chain)
            .values("fingerprint_id").annotate(hits=Count("pk"))
            .filter(hits__gte=min_hits).values("fingerprint_id"))


@transaction.atomic
def ledger_report_check(*, submission, now=None):
    """Check one signed report and index it. Locks the submission; replaces its earlier
    fingerprint, matches and its chain's index rows, so running it twice gives the same
    rows. A document that cannot be read (damaged, encrypted) is skipped with a note; the
    check itself never fails for it. Returns the `ReportFingerprint`, or None for a report
    never signed. About a dozen queries whatever the number of candidates, one more for
    the texts when some pair reaches the threshold."""
    sub = (LedgerSubmission.objects.select_for_update(of=("self",))
           .select_related("requirement").filter(pk=submission.pk).first())
    if sub is None or sub.signed_at is None:
        return None
    req = sub.requirement
    settings = check_settings(req.region_id)
    template = Template(template_texts(req, settings))
    text, notes = report_text(sub)
    sig, count = fingerprint_of(text, template)
    keys = tc.band_keys(sig) if count else []

    ReportMatch.objects.filter(submission=sub).delete()
    ReportFingerprint.objects.filter(submission=sub).delete()
    found = []
    if keys:
        ids = candidates(keys, exclude_chain=(req.pk, sub.unit_id),
                         min_hits=min_band_hits(settings.threshold))
        # One query: the candidates' signatures, units and years, and whether the pair is
        # already flagged from the other side; the texts of the few above the threshold are
        # read afterwards for their passages.
        others = list(ReportFingerprint.objects.filter(pk__in=ids).annotate(
            flagged=Exists(ReportMatch.objects.filter(submission_id=OuterRef("submission_id"),
                                                      other=sub)))
            .values_list("signature", "submission_id", "submission__unit_id",
                         "submission__requirement__year", "flagged"))
        scores = tc.similarities(sig, tc.from_bytes(b"".join(bytes(o[0]) for o in others)))
        above = []
        for (_sig, other_id, other_unit, other_year, flagged), score in zip(
                others, scores.tolist(), strict=True):
            kind = kind_of(sub.unit_id, req.year, other_unit, other_year)
            if kind is not None and not flagged and score >= settings.threshold:
                above.append((other_id, kind, score))
        if above:
            texts = dict(ReportFingerprint.objects.filter(
                submission_id__in=[a[0] for a in above]).values_list("submission_id", "text"))
            for other_id, kind, score in above:
                spans = tc.passages(text, texts[other_id], template.strings)
                found.append(ReportMatch(submission=sub, other_id=other_id, kind=kind,
                                         similarity=round(score, 3),
                                         passages=[list(s) for s in spans]))
    ReportMatch.objects.bulk_create(found)
    fingerprint = ReportFingerprint.objects.create(
        submission=sub, text=text, signature=tc.to_bytes(sig), shingle_count=count,
        notes=notes, checked_at=now or timezone.now())
    if sub.is_current:
        # The newest version replaces the chain's earlier ones in the index.
        ReportBand.objects.filter(fingerprint__submission__requirement_id=req.pk,
                                  fingerprint__submission__unit_id=sub.unit_id).delete()
        ReportBand.objects.bulk_create(ReportBand(fingerprint=fingerprint, key=k) for k in keys)
    return fingerprint


def unchecked_submissions():
    """Current versions signed (or reviewed since) that have no fingerprint: their check
    was never run or its task was lost (broker down)."""
    return (LedgerSubmission.objects.filter(is_current=True, signed_at__isnull=False,
                                            fingerprint__isnull=True)
            .order_by("signed_at", "pk"))


def index_all_reports(*, only_missing=False, progress=None):
    """The one-off indexing: every current signed report checked against those signed
    before it (as each was on signing) and put into the index. Returns (checked, flagged).

    With `only_missing`, only reports never checked, one by one through
    `ledger_report_check`. Otherwise all of them in one pass held in memory: the same
    candidate rule over an in-memory band table, one template per task, then the old rows
    of these reports replaced by bulk inserts in one transaction (a handful of queries per
    thousand reports instead of a dozen per report)."""
    if only_missing:
        ids = list(unchecked_submissions().values_list("pk", flat=True))
        flagged = 0
        for n, pk in enumerate(ids, 1):
            fingerprint = ledger_report_check(submission=LedgerSubmission(pk=pk))
            flagged += bool(fingerprint and fingerprint.submission.text_matches.exists())
            if progress:
                progress(n, len(ids))
        return len(ids), flagged
    return _index_in_one_pass(progress)


def _band_candidates(index, keys, least):
    """Positions (a sorted numpy array) of the earlier reports sharing at least `least` of
    `keys` in the in-memory band table. The boilerplate every report of a year shares puts
    about one earlier report in nine on some band, so the hits of one report grow with the
    number already indexed: they are counted by numpy over the band lists (C speed, no
    Python object per hit), not one by one in a Counter, which made the one-off indexing of
    20,000 reports run for minutes."""
    lists = [index[k] for k in keys if k in index]
    if not lists:
        return np.empty(0, dtype=np.int64)
    hits = np.concatenate([np.frombuffer(a, dtype=np.int64) for a in lists])
    if least <= 1:
        return np.unique(hits)
    ids, counts = np.unique(hits, return_counts=True)
    return ids[counts >= least]


def _index_in_one_pass(progress):
    from array import array
    from collections import defaultdict

    reports = (LedgerSubmission.objects.filter(is_current=True, signed_at__isnull=False)
               .select_related("requirement").prefetch_related("documents")
               .only("pk", "unit_id", "report", "requirement__region_id",
                     "requirement__year", "requirement__guidance", "requirement__sample")
               .order_by("signed_at", "pk"))
    total = reports.count()
    settings = {s.region_id: s for s in ReportCheckSettings.objects.all()}
    # A template per task, shared by the tasks handed out with the same texts (the office's
    # 填报说明 is mostly the same on every task of a kind).
    templates, same_texts, index = {}, {}, defaultdict(lambda: array("q"))
    subs, texts, notes_of, counts = [], [], [], []
    sigs = np.zeros((total, tc.NUM_PERM), dtype=np.uint32)
    keys_of, matches = [], []
    for i, sub in enumerate(reports.iterator(chunk_size=2000)):
        req = sub.requirement
        found = settings.get(req.region_id) or check_settings(req.region_id)
        settings[req.region_id] = found
        template = templates.get(req.pk)
        if template is None:
            given = tuple(template_texts(req, found))
            template = same_texts.get(given) or same_texts.setdefault(given, Template(given))
            templates[req.pk] = template
        text, notes = report_text(sub)
        sig, count = fingerprint_of(text, template)
        keys = tc.band_keys(sig) if count else []
        sigs[i] = sig
        subs.append((sub.pk, sub.unit_id, req.year))
        texts.append(text)
        notes_of.append(notes)
        counts.append(count)
        keys_of.append(keys)
        near = _band_candidates(index, keys, min_band_hits(found.threshold))
        if len(near):
            # Every candidate's estimate in one comparison; most are boilerplate, below.
            scores = tc.similarities(sig, sigs[near])
            above = scores >= found.threshold
            for j, score in zip(near[above].tolist(), scores[above].tolist(), strict=True):
                other_pk, other_unit, other_year = subs[j]
                kind = kind_of(sub.unit_id, req.year, other_unit, other_year)
                if kind is None:
                    continue
                spans = tc.passages(text, texts[j], template.strings)
                matches.append(ReportMatch(submission_id=sub.pk, other_id=other_pk, kind=kind,
                                           similarity=round(score, 3),
                                           passages=[list(x) for x in spans]))
        for k in keys:
            index[k].append(i)  # an array("q"): appended in C, read by numpy without a copy
        if progress:
            progress(i + 1, total)
    _replace_index(subs, texts, notes_of, counts, sigs, keys_of, matches)
    return len(subs), len({m.submission_id for m in matches})


@transaction.atomic
def _replace_index(subs, texts, notes_of, counts, sigs, keys_of, matches):
    """The old fingerprints, bands and matches of these reports out, the new ones in.

    On PostgreSQL the fingerprints (ids drawn from their sequence first) and the 42 band
    rows of each are sent by COPY as plain values: through `bulk_create` the 840,000 band
    rows of 20,000 reports were 840,000 model instances and compiled SQL, two thirds of
    the whole indexing. The band table is then analysed, since all of it was just replaced and
    the workers' band query is planned from its statistics."""
    ids = [pk for pk, _u, _y in subs]
    now = timezone.now()
    ReportBand.objects.all().delete()  # every indexed report is among them
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        ReportMatch.objects.filter(submission_id__in=chunk).delete()
        ReportFingerprint.objects.filter(submission_id__in=chunk).delete()
    rows = zip(subs, texts, sigs, counts, notes_of, strict=True)
    if connection.vendor == "postgresql":
        fingerprint_ids = reserve_ids(ReportFingerprint, len(subs))
        with copy_into(ReportFingerprint, ["id", "submission_id", "text", "signature",
                                            "shingle_count", "notes", "checked_at"]) as copy:
            for fid, ((pk, _u, _y), text, sig, count, notes) in zip(fingerprint_ids, rows,
                                                                     strict=True):
                copy.write_row((fid, pk, text, tc.to_bytes(sig), count, json.dumps(notes),
                                now))
        with copy_into(ReportBand, ["fingerprint_id", "key"]) as copy:
            # Two integers a row: written as COPY's text lines, a fingerprint at a time.
            for fid, keys in zip(fingerprint_ids, keys_of, strict=True):
                if keys:
                    copy.write("".join(f"{fid}\t{k}\n" for k in keys))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(ReportBand._meta.db_table)}")
    else:
        fingerprints = ReportFingerprint.objects.bulk_create(
            [ReportFingerprint(submission_id=pk, text=text, signature=tc.to_bytes(sig),
                               shingle_count=count, notes=notes, checked_at=now)
             for (pk, _u, _y), text, sig, count, notes in rows],
            batch_size=2000)
        ReportBand.objects.bulk_create(
            [ReportBand(fingerprint_id=fp.pk, key=k)
             for fp, keys in zip(fingerprints, keys_of, strict=True) for k in keys],
            batch_size=10_000)
    ReportMatch.objects.bulk_create(matches, batch_size=2000)


class Flag:
    """One overlap as a viewer of `submission` sees it: the other report is named, and the
    passages shown, only when the viewer may see that report."""

    def __init__(self, match, submission, user):
        reverse = match.submission_id != submission.pk
        self.other = match.submission if reverse else match.other
        self.kind = match.kind
        self.kind_display = match.get_kind_display()
        self.similarity = match.similarity
        self.reverse = reverse
        self.visible = submission_visible_to(user, self.other.unit.path)
        # Each passage as (own start, own end, other start, other end).
        self.spans = [(c, d, a, b) if reverse else (a, b, c, d)
                      for a, b, c, d in match.passages] if self.visible else []

    def own_segments(self, own_text):
        return tc.marked_segments(own_text, [(a, b) for a, b, _c, _d in self.spans])

    def other_segments(self):
        fingerprint = getattr(self.other, "fingerprint", None)
        text = fingerprint.text if fingerprint else ""
        return tc.marked_segments(text, [(c, d) for _a, _b, c, d in self.spans])


def matches_of(submission_ids):
    """Matches either side of which is one of `submission_ids`, with both submissions' unit
    and task (one query). Texts are not read here."""
    return (ReportMatch.objects.filter(Q(submission_id__in=submission_ids)
                                       | Q(other_id__in=submission_ids))
            .select_related("submission__unit", "submission__requirement", "other__unit",
                            "other__requirement"))


def flags_for(submission, user, matches):
    """The `Flag`s of one submission among `matches`, most similar first, one per other
    report."""
    out, seen = [], set()
    for m in sorted(matches, key=lambda m: -m.similarity):
        if submission.pk not in (m.submission_id, m.other_id):
            continue
        flag = Flag(m, submission, user)
        if flag.other.pk not in seen:
            seen.add(flag.other.pk)
            out.append(flag)
    return out


def review_flags(submission, user):
    """The review page's flags with both sides' texts cut into highlighted segments: about
    three queries (matches, the two sides' fingerprints)."""
    matches = list(matches_of([submission.pk]))
    flags = flags_for(submission, user, matches)
    visible = [f.other.pk for f in flags if f.visible]
    texts = dict(ReportFingerprint.objects.filter(submission_id__in=[submission.pk, *visible])
                 .values_list("submission_id", "text"))
    own = texts.get(submission.pk, "")
    for f in flags:
        f.other.fingerprint = ReportFingerprint(text=texts.get(f.other.pk, ""))
        f.own = f.own_segments(own) if f.visible else []
        f.theirs = f.other_segments() if f.visible else []
        f.passage_count = len(f.spans)
    return flags


@transaction.atomic
def report_check_settings_save(*, by, threshold, template_text):
    """The office sets its region's threshold (0.30–0.95) and template text. New checks use
    them at once; `manage.py index_ledger_reports` re-checks what was already checked."""
    from django.core.exceptions import PermissionDenied

    from accounts.models import Role, Unit

    if not (by.is_superuser or by.role == Role.OFFICE) or not by.scope_path:
        raise PermissionDenied("只有区县创城办可以设置雷同核查。")
    region = Unit.objects.get(path=by.scope_path)
    found, _ = ReportCheckSettings.objects.select_for_update().get_or_create(region=region)
    found.threshold, found.template_text, found.updated_by = threshold, template_text, by
    found.full_clean()
    found.save()
    return found




def flagged_export_file(matches, user, filters="全部", site=""):
    """The flagged list as an Excel report sheet (bytes): each finding with the report, the
    other report (named only when `user` may see it, as on the page), the similarity, the
    number of shared passages and links (starting with `site`) to both review pages. `matches` already scoped and
    filtered, with both sides' unit and task selected: one query."""
    import io

    from jobs.excel import Column, ReportSheet, xlsx_workbook

    columns = [
        Column("报告单位", 18), Column("年度", 7, "number"), Column("台账任务", 28, "wrap"),
        Column("版本", 6, "number"), Column("签字时间", 18, "datetime"), Column("类型", 20),
        Column("相似度（%）", 10, "number"), Column("相同段落（处）", 10, "number"),
        Column("对比报告单位", 18), Column("对比年度", 8, "number"),
        Column("对比台账任务", 28, "wrap"), Column("发现时间", 18, "datetime"),
        Column("核查页面", 40, "url"), Column("对比报告页面", 40, "url"),
    ]
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer, {"in_memory": True})
    sheet = ReportSheet(book, "疑似雷同", title="材料雷同核查清单", filters=filters,
                        columns=columns)
    for m in matches:
        sub, other = m.submission, m.other
        visible = submission_visible_to(user, other.unit.path)
        sheet.append([
            sub.unit.name, sub.requirement.year, sub.requirement.title, sub.version,
            sub.signed_at, m.get_kind_display(), round(m.similarity * 100),
            len(m.passages), other.unit.name if visible else "其他区县单位的材料",
            other.requirement.year, other.requirement.title if visible else "",
            m.created, f"{site}{sub.get_absolute_url()}#copy-check",
            f"{site}{other.get_absolute_url()}" if visible else "",
        ])
    sheet.close()
    book.close()
    return buffer.getvalue()
