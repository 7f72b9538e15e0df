"""The ledger ZIP export (网上申报台账 package) with real files: 2,000 approved submissions, every
photo and document they list present on disk, packed by the export's own writer
(`ledgers.export._write_zip`) in a child process, so its time and peak memory are its own.

The generated city stores photo records whose files mostly do not exist; the child writes a
real JPEG (and a small PDF) at each path the chosen submissions refer to, in a scratch media
folder, before the clock starts. The floor is the same files put in a zip by `zipfile` alone
(photos and office files stored, as the export stores them), with no database, index sheet or
naming.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SUBMISSIONS = 2000
PHOTO_BYTES = 120_000
TARGET_MS = 120_000  # two minutes for the package of a district's year
TARGET_PEAK_MB = 300

CHILD = """
import json, os, resource, sys, tempfile, time, zipfile
sys.path.insert(0, {base!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
import django
django.setup()
from django.conf import settings
from ledgers.export import PACKED, _submissions, _write_zip
from ledgers.models import LedgerSubmission
from accounts.models import Unit
from bench.ledger_zip import materialise, peak_mb

mode = {mode!r}
root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
years = (LedgerSubmission.objects.filter(is_current=True, status="approved")
         .values_list("requirement__year", flat=True).distinct())
year = max(years)
qs = _submissions(root, year)
ids = list(qs.values_list("pk", flat=True)[:{count}])
qs = qs.filter(pk__in=ids)
paths = materialise(qs, settings.MEDIA_ROOT, {photo_bytes})
size_on_disk = sum(os.path.getsize(os.path.join(settings.MEDIA_ROOT, p)) for p in paths)
base = peak_mb()
started = time.perf_counter()
with tempfile.TemporaryFile() as fh:
    if mode == "export":
        _write_zip(qs, fh, lambda i: None, 50)
    else:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for p in paths:
                packed = p.rsplit(".", 1)[-1].lower() in PACKED
                zf.write(os.path.join(settings.MEDIA_ROOT, p), p,
                         compress_type=zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED)
    zip_bytes = fh.tell()
elapsed = (time.perf_counter() - started) * 1000
print("RESULT " + json.dumps({{"ms": elapsed, "submissions": len(ids), "files": len(paths),
                              "input_bytes": size_on_disk, "zip_bytes": zip_bytes,
                              "peak_mb": peak_mb(), "setup_peak_mb": base, "year": year}}))
"""


def peak_mb():
    """The process's peak resident size (VmHWM) in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def materialise(qs, media_root, photo_bytes):
    """Write a real file at every photo and document path of the submissions in qs (kept
    between runs in the same media folder). Returns the relative paths."""
    from bench.run import make_jpeg

    jpeg = make_jpeg(photo_bytes)
    pdf = b"%PDF-1.4\n" + b"0" * 40_000 + b"\n%%EOF\n"
    paths = []
    for sub in qs:
        for n, item in enumerate([*sub.photos.all(), *sub.documents.all()]):
            name = item.file.name
            path = Path(media_root) / name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                # Each file differs (the tail), as real photos do; the JPEG stays readable.
                body = pdf if name.endswith(".pdf") else jpeg + f"{sub.pk}-{n}".encode()
                path.write_bytes(body)
            paths.append(name)
    return paths


def _child(mode, media):
    code = CHILD.format(base=str(BASE_DIR), mode=mode, count=SUBMISSIONS, photo_bytes=PHOTO_BYTES)
    env = {**os.environ, "MEDIA_ROOT": str(media)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=1800)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not line:
        raise SystemExit(f"ledger zip child ({mode}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[0][7:])


def bench_ledger_zip(b):
    name = "ledgers.export.zip"
    if not b.wanted(name):
        return
    import shutil

    print("Ledger ZIP export with real files (in child processes)", flush=True)
    media = BASE_DIR / "var" / "bench-zip-media"
    try:
        runs = [_child("export", media) for _ in range(max(2, b.args.runs // 7))]
        floor = _child("floor", media)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    first = runs[0]
    peak = max(r["peak_mb"] for r in runs)
    b.add(name, [r["ms"] for r in runs], floor_ms=floor["ms"], target_ms=TARGET_MS, queries=None,
          peak_rss_mb=round(peak, 1), target_peak_mb=TARGET_PEAK_MB,
          notes=f"{first['submissions']} approved submissions of {first['year']}, "
                f"{first['files']} files, {first['input_bytes'] / 1024 / 1024:.0f} MB in, "
                f"{first['zip_bytes'] / 1024 / 1024:.0f} MB zip; peak RSS {peak:.0f} MB "
                f"(after setup {first['setup_peak_mb']:.0f} MB) vs ≤ {TARGET_PEAK_MB} MB; "
                f"floor = the same files put in a zip by zipfile alone, stored as the export stores them")
