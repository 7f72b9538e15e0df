from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "问题整改"

    def ready(self):
        from accounts.home import register_panel
        from accounts.scoping import REFERENCE_DATA_DENIED
        from jobs.models import Job
        from jobs.registry import Importer, register, register_importer
        from points.services import FAILED_CHECK_HANDLERS

        from .exports import clean_export_params, issues_export_job
        from .home import home_panel
        from .imports import (
            HEADERS,
            HOLIDAY_HEADERS,
            holidays_import,
            holidays_template_workbook,
            issues_import,
            issues_template_workbook,
        )
        from .services import FILE_ROLES, SETTINGS_ROLES, issue_file_from_inspection

        register_panel("issues/partials/home.html", home_panel)
        # A failed checklist item of a field inspection becomes an issue at the point.
        if issue_file_from_inspection not in FAILED_CHECK_HANDLERS:
            FAILED_CHECK_HANDLERS.append(issue_file_from_inspection)
        register_importer(Importer(
            kind=Job.Kind.ISSUES_IMPORT, title="批量导入问题（暗访、测评发现）", noun="个问题",
            headers=HEADERS, run=issues_import, template=issues_template_workbook,
            template_url="issues:issue-import-template", back_url="issues:issue-list",
            import_url="issues:issue-import", roles=frozenset(FILE_ROLES),
            denied="只有创城办工作人员和督查员可以导入问题。", done_url="/issues/?status=new",
            help=["来源不填为“暗访”，发现时间不填为现在；点位和类别按名称匹配。导入后的问题为“待派发”。"],
        ))
        register_importer(Importer(
            kind=Job.Kind.HOLIDAYS_IMPORT, title="导入节假日与调休", noun="天",
            headers=HOLIDAY_HEADERS, run=holidays_import, template=holidays_template_workbook,
            template_url="issues:holiday-import-template", back_url="issues:holidays",
            import_url="issues:holiday-import", roles=frozenset(SETTINGS_ROLES),
            allowed=lambda user: user.is_city_office, denied=REFERENCE_DATA_DENIED, done_url="/issues/holidays/",
            help=["类型填“放假”（法定节假日）或“上班”（调休上班的周末）；已登记的日期会被表中的内容覆盖。"],
        ))
        # Anyone may export the issues they can see; the worker applies the creator's scope.
        register(Job.Kind.ISSUES_EXPORT, issues_export_job, clean=clean_export_params)

        # The lists' kept counts (issues/counts.py) follow every saved or deleted issue, and
        # every unit or point (the unit, street and search filters read their paths and names).
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Unit
        from points.models import Point

        from .counts import issues_changed
        from .models import Issue

        def changed(**kwargs):
            issues_changed()

        for model in (Issue, Unit, Point):
            post_save.connect(changed, sender=model, weak=False,
                              dispatch_uid=f"issues-count-{model._meta.label}")
            post_delete.connect(changed, sender=model, weak=False,
                                dispatch_uid=f"issues-count-del-{model._meta.label}")
