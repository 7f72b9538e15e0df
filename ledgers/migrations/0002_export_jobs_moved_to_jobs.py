"""Ledger export jobs now live in the jobs app (kind "ledgers_export"): existing rows are
copied there, keeping their zip files, then the old table is dropped."""

from django.db import migrations

STATUS = {"pending": "queued", "running": "running", "done": "done", "failed": "failed"}


def copy_to_jobs(apps, schema_editor):
    ExportJob = apps.get_model("ledgers", "ExportJob")
    Job = apps.get_model("jobs", "Job")
    for old in ExportJob.objects.all().iterator():
        job = Job.objects.create(
            kind="ledgers_export", status=STATUS.get(old.status, "failed"),
            created_by_id=old.created_by_id, unit_id=old.region_id, params={"year": old.year},
            progress_done=old.total if old.status == "done" else 0, progress_total=old.total,
            message=old.error, result=old.file.name if old.file else "",
            result_name=f"{old.year}年网上申报台账.zip" if old.file else "",
            result_count=old.total, finished=old.finished)
        Job.objects.filter(pk=job.pk).update(created=old.created)


class Migration(migrations.Migration):

    dependencies = [
        ("ledgers", "0001_ledger_requirements_submissions_files_exports"),
        ("jobs", "0001_jobs"),
    ]

    operations = [
        migrations.RunPython(copy_to_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ExportJob"),
    ]
