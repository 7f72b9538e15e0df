from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = "网上申报台账"

    def ready(self):
        from jobs.models import Job
        from jobs.registry import Importer, register, register_importer

        from .export import EXPORT_ROLES, clean_export_params, ledgers_export_job

        register(Job.Kind.LEDGERS_EXPORT, ledgers_export_job, roles=EXPORT_ROLES,
                 denied="只有创城办工作人员可以导出台账。", clean=clean_export_params)
        self._register_requirement_import(Job, Importer, register_importer)

        from accounts.home import register_panel

        from .home import home_panel

        register_panel("ledgers/partials/home.html", home_panel)
        self._recheck_flags_on_delete()

    @staticmethod
    def _recheck_flags_on_delete():
        """Every evidence photo deleted for good (a purged or replaced draft photo, an issue
        or a public report deleted in the admin with its photos) has the ledger photos
        flagged as its copies checked again, in the delete's transaction. A receiver because
        issue and report photos are deleted where the ledgers are not known, and a cascade
        calls no service."""
        from django.db.models.signals import post_delete

        from evidence.duplicates import image_models

        from .services import ledger_photo_flags_recheck

        def recheck(sender, instance, **kwargs):
            ledger_photo_flags_recheck(model=sender, pks=[instance.pk])

        for model in image_models():
            post_delete.connect(recheck, sender=model, weak=False,
                                dispatch_uid=f"ledgers-duplicate-flags-{model._meta.label}")

    @staticmethod
    def _register_requirement_import(Job, Importer, register_importer):
        from accounts.models import Role

        from .requirements import HEADERS, requirements_import, requirements_template_workbook

        register_importer(Importer(
            kind=Job.Kind.LEDGERS_IMPORT, title="批量导入台账任务", noun="个台账任务",
            headers=HEADERS, run=requirements_import, template=requirements_template_workbook,
            template_url="ledgers:requirement-import-template",
            back_url="ledgers:requirement-list", import_url="ledgers:requirement-import",
            roles=frozenset({Role.OFFICE}), denied="只有创城办工作人员可以导入台账任务。",
            done_url="/ledgers/",
            help=["测评标准编号对照模板第二页填写；牵头单位、配合单位填写单位全称，多个配合单位用顿号“、”隔开。",
                  "年度空着为今年；材料起始、截止日期空着为当年1月1日至测评前一个月；日期填写如 2026-10-15。",
                  "我们的节日等活动类任务请填写活动名称和活动开始、结束日期，照片须在活动日期内拍摄。"],
        ))
