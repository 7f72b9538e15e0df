from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "问题整改"

    def ready(self):
        from accounts.home import register_panel
        from jobs.models import Job
        from jobs.registry import Importer, register, register_importer

        from .exports import clean_export_params, issues_export_job
        from .home import home_panel
        from .imports import HEADERS, issues_import, issues_template_workbook
        from .services import FILE_ROLES

        register_panel("issues/partials/home.html", home_panel)
        register_importer(Importer(
            kind=Job.Kind.ISSUES_IMPORT, title="批量导入问题（暗访、测评发现）", noun="个问题",
            headers=HEADERS, run=issues_import, template=issues_template_workbook,
            template_url="issues:issue-import-template", back_url="issues:issue-list",
            import_url="issues:issue-import", roles=frozenset(FILE_ROLES),
            denied="只有创城办工作人员和督查员可以导入问题。", done_url="/issues/?status=new",
            help=["来源不填为“暗访”，发现时间不填为现在；点位和类别按名称匹配。导入后的问题为“待派发”。"],
        ))
        # Anyone may export the issues they can see; the worker applies the creator's scope.
        register(Job.Kind.ISSUES_EXPORT, issues_export_job, clean=clean_export_params)
