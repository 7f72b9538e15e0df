from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "排名与考核"

    def ready(self):
        from accounts.home import register_panel

        from .home import home_panel

        register_panel("dashboard/partials/home.html", home_panel)
