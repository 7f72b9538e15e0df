from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = "网上申报台账"

    def ready(self):
        from jobs.models import Job
        from jobs.registry import register

        from .export import EXPORT_ROLES, clean_export_params, ledgers_export_job

        register(Job.Kind.LEDGERS_EXPORT, ledgers_export_job, roles=EXPORT_ROLES,
                 denied="只有创城办工作人员可以导出台账。", clean=clean_export_params)
