"""Benchmarks of honest material and fast filing (issue #16), run by `make bench` through one
line of bench/run.py, or alone:

    BENCH_SCALE=small python bench/textcheck_bench.py   # results in var/bench-textcheck/

* issues.suggest.*: the category model trained on the generated city's closed issues (its
  held-out fifth scored top-1 / top-3 next to the majority-class baseline), then one
  suggestion's latency as the function and through the API (target 20 ms);
* ledgers.copycheck.*: indexing 20,000 signed reports in one pass (target 60 s), then the
  worker's check of one newly signed report against them (target 50 ms), with the recall
  on planted copies and the false flags on heavier rewrites and fresh reports.

Every write is rolled back; the data set stays as generated.
"""

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import SEED, captured, replay, rolled_back, timed  # noqa: E402


def run(b, office):
    bench_suggest(b, office)
    bench_copycheck(b)


def bench_suggest(b, office):
    """The category suggestion model of the generated city: trained on its closed issues
    (held-out fifth: top-1, top-3 and the majority-class baseline), then the latency of one
    suggestion as the function and as the API answers it. Rolled back."""
    name = "issues.suggest"
    if not b.wanted(name):
        return
    from rest_framework.test import APIClient

    from accounts.models import Unit
    from issues.models import Issue, Status
    from issues.suggest import city_of, forget_loaded, suggest_categories, train_category_model

    print("Category suggestion", flush=True)
    city = Unit.objects.get(pk=city_of(office.unit))
    with rolled_back():
        started = time.perf_counter()
        model = train_category_model(city=city)
        train_ms = (time.perf_counter() - started) * 1000
        if model is None:
            b.skipped.append(f"{name}: too little history to train a model")
            return
        b.add("issues.suggest.train", [train_ms], floor_ms=None, target_ms=None, queries=None,
              notes=f"{model.sample_count:,} closed issues in {model.category_count} categories, "
                    f"fitted twice (on four fifths to score the held-out fifth, then on all); "
                    f"held-out top-1 accuracy {model.top1_accuracy:.1%}, top-3 "
                    f"{model.top3_accuracy:.1%}, majority-class baseline "
                    f"{model.baseline_accuracy:.1%}",
              top1_accuracy=round(model.top1_accuracy, 4),
              top3_accuracy=round(model.top3_accuracy, 4),
              baseline_accuracy=round(model.baseline_accuracy, 4))
        texts = list(Issue.objects.exclude(status=Status.CLOSED).order_by("pk")
                     .values_list("description", flat=True)[:500])
        forget_loaded()
        unit = office.unit
        suggest_categories(texts[0], unit)  # loads the current version once per process
        it = iter(texts * 4)
        times = timed(lambda: suggest_categories(next(it), unit), max(200, b.args.runs * 10),
                      warmup=5)
        b.add("issues.suggest.function", times, floor_ms=None, target_ms=20, queries=0,
              notes="suggest_categories(text, region) on open issues' descriptions (not in "
                    "the training set), model already loaded in the process")
        client = APIClient()
        client.force_authenticate(office)
        from urllib.parse import quote

        b.request("issues.suggest.api", client,
                  "/api/v1/issue-categories/suggest/?text=" + quote(texts[1]), target_ms=20,
                  api=True, notes="floor = a bare DRF view with the same authentication")


def bench_copycheck(b):
    """The copied-report check at 20,000 indexed reports: the one-off indexing of every
    signed report (topped up to 20,000 with signed reports on further tasks of the same
    standards, districts and units), then the worker's check of newly signed reports: fresh
    ones, planted copies (another unit's report of the same year with its name, a figure and
    a few words changed: should be flagged, naming that report) and heavier rewrites (one
    element taken over, four written anew: should not be flagged). Rolled back."""
    name = "ledgers.copycheck"
    if not b.wanted(name):
        return
    import random

    from django.utils import timezone

    from ledgers import textcheck as tc
    from ledgers.citygen import report_for, reworded, rewritten
    from ledgers.copycheck import index_all_reports, ledger_report_check
    from ledgers.models import LedgerRequirement, LedgerSubmission, ReportFingerprint, ReportMatch

    print("Copied-report check", flush=True)
    rng = random.Random(SEED)
    target, per_kind = 20_000, 30
    now = timezone.now()
    S = LedgerSubmission.Status
    with rolled_back():
        signed = LedgerSubmission.objects.filter(is_current=True, signed_at__isnull=False)
        # The city's tasks have (nearly) every unit's report already: the top-up and the
        # probes are reports on further tasks, each a copy of a generated task (standard,
        # district, lead and contributing units, year) under the next task number.
        probes_needed = 3 * per_kind
        need = max(target - signed.count(), 0) + probes_needed
        models = list(LedgerRequirement.objects.prefetch_related("contributing_units")
                      .order_by("pk"))
        number = LedgerRequirement.objects.count()
        pairs, clones, units_of = [], [], []
        while len(pairs) < need:
            src = models[rng.randrange(len(models))]
            number += 1
            clone = LedgerRequirement(
                region_id=src.region_id, year=src.year, standard_id=src.standard_id,
                title=f"{src.title.rsplit('台账', 1)[0]}台账{number}",
                lead_unit_id=src.lead_unit_id, deadline=src.deadline,
                photo_count=src.photo_count, report_required=True,
                document_count=src.document_count, documents_note=src.documents_note,
                material_start=src.material_start, material_end=src.material_end,
                guidance=src.guidance, created_by_id=src.created_by_id)
            units = [src.lead_unit, *src.contributing_units.all()]
            clones.append(clone)
            units_of.append(units[1:])
            pairs += [(clone, u) for u in units]
        LedgerRequirement.objects.bulk_create(clones, batch_size=5000)
        through = LedgerRequirement.contributing_units.through
        through.objects.bulk_create(
            [through(ledgerrequirement_id=r.pk, unit_id=u.pk)
             for r, units in zip(clones, units_of, strict=True) for u in units],
            batch_size=5000)
        probes, extra = pairs[:probes_needed], pairs[probes_needed:need]
        LedgerSubmission.objects.bulk_create(
            [LedgerSubmission(requirement=r, unit=u, status=S.SIGNED,
                              signed_at=now - dt.timedelta(days=1),
                              report=report_for(rng, u.name, r.title, r.year))
             for r, u in extra], batch_size=5000)
        indexed = signed.count()
        started = time.perf_counter()
        checked, flagged = index_all_reports()
        index_ms = (time.perf_counter() - started) * 1000
        b.add("ledgers.copycheck.index_all", [index_ms], floor_ms=None, target_ms=60_000,
              queries=None,
              notes=f"manage.py index_ledger_reports over {checked:,} signed reports "
                    f"({checked - len(extra):,} of the generated city, {len(extra):,} more on "
                    f"further tasks of its standards and units; each checked against those "
                    f"signed before it, then indexed); {flagged} flagged (the generator "
                    f"copies about 1 % from another unit and reuses about 2 % of last "
                    f"year's own)")
        # New reports of the probe tasks: fresh, copied, rewritten from an indexed report of
        # another unit on a task of the same year.
        by_year = {}
        for sub in signed.select_related("unit", "requirement").order_by("?")[:2000]:
            by_year.setdefault(sub.requirement.year, []).append(sub)
        times = {"fresh": [], "copy": [], "rewrite": []}
        outcome = {"fresh": 0, "copy": 0, "rewrite": 0}
        scores = {"copy": [], "rewrite": []}
        statements = sub = None
        for n, (req, unit) in enumerate(probes):
            kind = ("fresh", "copy", "rewrite")[n % 3]
            src = None
            if kind == "fresh":
                report = report_for(rng, unit.name, req.title, req.year)
            else:
                src = next(s for s in by_year[req.year][n:] if s.unit_id != unit.pk)
                report = (reworded(src.report, unit.name, src.unit.name, rng)
                          if kind == "copy" else
                          rewritten(src.report, unit.name, src.unit.name, req.title,
                                    req.year, rng))
            sub = LedgerSubmission.objects.create(requirement=req, unit=unit, status=S.SIGNED,
                                                  signed_at=now, report=report)
            t0 = time.perf_counter()
            _fp, statements = captured(lambda s=sub: ledger_report_check(submission=s))
            times[kind].append((time.perf_counter() - t0) * 1000)
            matches = ReportMatch.objects.filter(submission=sub)
            if src is None:
                outcome[kind] += matches.exists()
            else:
                outcome[kind] += matches.filter(other=src).exists()
                mine, theirs = ReportFingerprint.objects.filter(
                    submission_id__in=[sub.pk, src.pk]).order_by(
                    "-submission_id").values_list("signature", flat=True)
                scores[kind].append(tc.similarity(tc.from_bytes(mine), tc.from_bytes(theirs)))
        threshold = tc.DEFAULT_THRESHOLD
        sql_ms = statistics.median(_replay_times(statements, sub.pk, 5))

        def spread(values):
            return f"{min(values):.2f}–{max(values):.2f} (median {statistics.median(values):.2f})"

        b.add("ledgers.copycheck.check_one", [t for v in times.values() for t in v],
              floor_ms=sql_ms, target_ms=50, queries=len(statements),
              notes=f"ledger_report_check of one newly signed report against {indexed:,} "
                    f"indexed: fresh reports median {statistics.median(times['fresh']):.1f} "
                    f"ms, copies median {statistics.median(times['copy']):.1f} ms, rewrites "
                    f"median {statistics.median(times['rewrite']):.1f} ms. At the office's "
                    f"{threshold:.0%} threshold: {outcome['copy']} of {per_kind} planted "
                    f"copies (another unit's report of the year, name, a figure and a few "
                    f"words changed) flagged naming their source, similarity "
                    f"{spread(scores['copy'])}; {outcome['rewrite']} of {per_kind} heavier "
                    f"rewrites (one element reworded, four written anew; should not be "
                    f"flagged) flagged, similarity {spread(scores['rewrite'])}; "
                    f"{outcome['fresh']} of {per_kind} fresh reports flagged; floor = the "
                    f"check's SQL replayed raw",
              copies_flagged=outcome["copy"], rewrites_flagged=outcome["rewrite"],
              fresh_flagged=outcome["fresh"], probes_per_kind=per_kind)


def _replay_times(statements, submission_id, runs):
    """Wall times of the check's SQL replayed raw, each run after the checked report's rows
    are removed again (its fingerprint's id is part of the captured statements), rolled
    back."""
    from django.db import transaction

    from ledgers.models import ReportFingerprint, ReportMatch

    times = []
    for n in range(runs + 1):
        with transaction.atomic():
            ReportMatch.objects.filter(submission_id=submission_id).delete()
            ReportFingerprint.objects.filter(submission_id=submission_id).delete()
            started = time.perf_counter()
            replay(statements)
            if n:  # the first is the warm-up
                times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return times


def main():
    import argparse
    import os

    from bench import run as harness

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "city"),
                        choices=["city", "small"])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 15)))
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--out", default=str(harness.BASE_DIR / "var" / "bench-textcheck"))
    args = parser.parse_args()
    harness.configure(args.scale)

    from accounts.models import User

    args.scale = harness.ensure_data(args.scale)
    office = User.objects.select_related("unit").get(username=harness.OFFICE)
    counts = harness.data_counts()
    info = harness.machine()
    print(f"{info['database']}, {info['cores']} cores; data {counts}", flush=True)
    b = harness.Bench(args)
    b.skipped = []
    run(b, office)
    info["load_after"] = os.getloadavg()
    harness.write_results(b, info, counts, Path(args.out))
    print(f"Wrote {args.out}/results.json and RESULTS.md", flush=True)


if __name__ == "__main__":
    main()
