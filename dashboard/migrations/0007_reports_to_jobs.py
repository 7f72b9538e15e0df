"""Each existing report gets its job of kind report carrying what the report row held: the
status, the XLSX and PDF files (the same stored files, nothing copied or lost), the error
messages, who asked and when. A report still waiting or running becomes a queued job, which
the jobs sweeper sends to a worker."""

from django.db import migrations

KINDS = {"weekly": "周报", "monthly": "月报", "on_demand": "临时报告"}
TO_JOB = {"pending": "queued", "running": "queued", "done": "done", "failed": "failed"}
TO_REPORT = {"queued": "pending", "running": "running", "done": "done", "failed": "failed"}


def _name(report, ext):
    return (f"{report.region.name}{KINDS.get(report.kind, '')}_{report.period_start:%Y%m%d}-"
            f"{report.period_end:%Y%m%d}.{ext}")


def _message(report):
    if report.status == "failed":
        return report.error or "生成失败。"
    if report.status != "done":
        return ""
    if report.pdf:
        return "已生成 Excel 版和 PDF 版。"
    return f"已生成 Excel 版；PDF 版未生成：{report.pdf_error}" if report.pdf_error \
        else "已生成 Excel 版；PDF 版未生成。"


def reports_to_jobs(apps, schema_editor):
    Report = apps.get_model("dashboard", "Report")
    Job = apps.get_model("jobs", "Job")
    for report in Report.objects.select_related("region").filter(job__isnull=True).iterator():
        status = TO_JOB.get(report.status, "queued")
        job = Job.objects.create(
            kind="report", status=status, created_by_id=report.created_by_id,
            unit_id=report.region_id, params={"report": report.pk},
            result=report.file.name or "",
            result_name=_name(report, "xlsx") if report.file else "",
            pdf=report.pdf.name or "", pdf_name=_name(report, "pdf") if report.pdf else "",
            message=_message(report), attempts=0 if status == "queued" else 1,
            started=report.created if status != "queued" else None,
            finished=report.finished if status != "queued" else None)
        Job.objects.filter(pk=job.pk).update(created=report.created)
        Report.objects.filter(pk=report.pk).update(job=job)


def jobs_to_reports(apps, schema_editor):
    Report = apps.get_model("dashboard", "Report")
    Job = apps.get_model("jobs", "Job")
    for report in Report.objects.select_related("job").exclude(job=None).iterator():
        job = report.job
        done_without_pdf = job.status == "done" and not job.pdf
        Report.objects.filter(pk=report.pk).update(
            status=TO_REPORT.get(job.status, "pending"), file=job.result.name or "",
            pdf=job.pdf.name or "", created_by=job.created_by_id, finished=job.finished,
            progress=100 if job.status == "done" else 0,
            error=job.message if job.status == "failed" else "",
            pdf_error=job.message if done_without_pdf else "", job=None)
    Job.objects.filter(kind="report").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0006_report_job'),
    ]

    operations = [
        migrations.RunPython(reports_to_jobs, jobs_to_reports),
    ]
