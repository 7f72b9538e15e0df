from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "排名与考核"

    def ready(self):
        from accounts.home import register_panel
        from accounts.models import Role
        from jobs.models import Job
        from jobs.registry import register

        from .services import REPORT_STEPS, report_job, report_job_subject

        register(Job.Kind.REPORT, report_job, roles={Role.OFFICE},
                 denied="只有创城办可以生成通报报告。", own_start=True, steps=REPORT_STEPS,
                 describe=report_job_subject)

        from .home import home_panel

        register_panel("dashboard/partials/home.html", home_panel)
