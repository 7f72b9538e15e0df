from django.db import migrations

# What the report's job holds now (dashboard.0007 copied it there).
MOVED_TO_THE_JOB = ["created_by", "error", "file", "finished", "pdf", "pdf_error", "progress",
                    "status"]


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0007_reports_to_jobs'),
    ]

    operations = [migrations.RemoveField(model_name="report", name=name)
                  for name in MOVED_TO_THE_JOB]
