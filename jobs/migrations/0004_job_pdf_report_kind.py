import jobs.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_survey_export_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='pdf',
            field=models.FileField(blank=True, max_length=255, upload_to=jobs.models.result_to, verbose_name='PDF 文件'),
        ),
        migrations.AddField(
            model_name='job',
            name='pdf_name',
            field=models.CharField(blank=True, max_length=255, verbose_name='PDF 文件名'),
        ),
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(choices=[('points_import', '点位导入'), ('issues_import', '问题导入'), ('ledgers_import', '台账要求导入'), ('holidays_import', '节假日导入'), ('issues_export', '问题清单导出'), ('ledgers_export', '网上申报台账导出'), ('survey_export', '问卷导出'), ('report', '督查通报')], max_length=40, verbose_name='任务类型'),
        ),
    ]
