from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "点位与测评体系"

    def ready(self):
        from accounts.models import Role
        from jobs.models import Job
        from jobs.registry import Importer, register_importer

        from .services import POINT_HEADERS, points_import, points_template_workbook

        register_importer(Importer(
            kind=Job.Kind.POINTS_IMPORT, title="批量导入点位", noun="个点位",
            headers=POINT_HEADERS, run=points_import, template=points_template_workbook,
            template_url="points:point-import-template", back_url="points:point-list",
            import_url="points:point-import", roles=frozenset({Role.OFFICE}),
            denied="只有创城办工作人员可以导入点位。", done_url="/points/",
            help=["类型填“固定”或“随机”；单位和点位长按名称匹配（须为您管辖范围内的单位和人员）。"],
        ))

        from accounts.home import register_panel

        from .home import home_panel

        # After the to-do panels (issues, ledgers): the points are context, not work due.
        register_panel("points/partials/home.html", home_panel, order=1)
