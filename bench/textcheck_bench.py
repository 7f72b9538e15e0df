"""Benchmarks of honest material and fast filing (issue #16), run by `make bench` through one
line of bench/run.py, or alone:

    BENCH_SCALE=small python bench/textcheck_bench.py   # results in var/bench-textcheck/

* issues.suggest.*: the category model trained on the generated city's closed issues (its
  held-out fifth scored top-1 / top-3 next to the majority-class baseline), then one
  suggestion's latency as the function and through the API (target 20 ms);
* ledgers.copycheck.*: indexing 20,000 signed reports in one pass (target 60 s), then the
  worker's check of one newly signed report against them (target 50 ms).

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
    signed report (topped up to 20,000 with signed reports of units that had not started),
    then the worker's check of one newly signed report, fresh and copied. Rolled back."""
    name = "ledgers.copycheck"
    if not b.wanted(name):
        return
    import random

    from django.utils import timezone

    from ledgers.citygen import _copied, report_for
    from ledgers.copycheck import index_all_reports, ledger_report_check
    from ledgers.models import LedgerRequirement, LedgerSubmission, ReportMatch

    print("Copied-report check", flush=True)
    rng = random.Random(SEED)
    target = 20_000
    now = timezone.now()
    S = LedgerSubmission.Status
    with rolled_back():
        signed = LedgerSubmission.objects.filter(is_current=True, signed_at__isnull=False)
        taken = set(LedgerSubmission.objects.values_list("requirement_id", "unit_id"))
        spare = []
        for req in LedgerRequirement.objects.prefetch_related("contributing_units").select_related(
                "lead_unit"):
            for unit in [req.lead_unit, *req.contributing_units.all()]:
                if (req.pk, unit.pk) not in taken:
                    spare.append((req, unit))
        rng.shuffle(spare)
        need = max(target - signed.count(), 0)
        # The probes first: at the small scale there are few pairs left to top up with.
        probes, extra = spare[:60], spare[60:60 + need]
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
                    f"(each checked against those signed before it, then indexed); "
                    f"{flagged} flagged (the generator copies about 1 % from another unit "
                    f"and reuses about 2 % of last year's own)")
        # New reports of units that had not started: half fresh, half copied from an indexed
        # report of the same task's year with the names changed.
        sources = list(signed.select_related("unit", "requirement").order_by("?")[:60])
        fresh, copies, statements, copy_ids = [], [], [], []
        for n, (req, unit) in enumerate(probes):
            if n % 2:
                src = sources[n]
                report = _copied(src.report, unit.name, src.unit.name, rng)
            else:
                report = report_for(rng, unit.name, req.title, req.year)
            sub = LedgerSubmission.objects.create(requirement=req, unit=unit, status=S.SIGNED,
                                                  signed_at=now, report=report)
            if n % 2:
                copy_ids.append(sub.pk)
            t0 = time.perf_counter()
            _fp, statements = captured(lambda s=sub: ledger_report_check(submission=s))
            (copies if n % 2 else fresh).append((time.perf_counter() - t0) * 1000)
        if not fresh or not copies:
            b.skipped.append("ledgers.copycheck.check_one: no task left without a report of "
                             "some unit to sign a new one")
            return
        found = ReportMatch.objects.filter(submission_id__in=copy_ids).values(
            "submission").distinct().count()
        sql_ms = statistics.median(_replay_times(statements, sub.pk, 5))
        b.add("ledgers.copycheck.check_one", fresh + copies, floor_ms=sql_ms, target_ms=50,
              queries=len(statements),
              notes=f"ledger_report_check of one newly signed report against {indexed:,} "
                    f"indexed: fresh reports median {statistics.median(fresh):.1f} ms, copies "
                    f"(found, with passages) median {statistics.median(copies):.1f} ms; "
                    f"{found} of {len(copies)} copies flagged; floor = the check's SQL "
                    f"replayed raw")


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
