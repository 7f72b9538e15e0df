from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "问题整改"

    def ready(self):
        from accounts.home import register_panel

        from .home import home_panel

        register_panel("issues/partials/home.html", home_panel)
