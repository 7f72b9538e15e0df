from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "问卷调查"

    def ready(self):
        from accounts.home import register_panel
        from jobs.models import Job
        from jobs.registry import register

        from .exports import clean_export_params, survey_export_job
        from .home import home_panel

        register_panel("surveys/partials/home.html", home_panel)
        # Whoever sees a survey may export it; the worker applies the creator's scope.
        register(Job.Kind.SURVEY_EXPORT, survey_export_job, clean=clean_export_params)
