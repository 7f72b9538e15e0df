import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0005_ranking_coverage_floor'),
        ('jobs', '0004_job_pdf_report_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='job',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='report', to='jobs.job', verbose_name='生成任务'),
        ),
    ]
