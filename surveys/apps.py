from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "问卷调查"

    def ready(self):
        from accounts.home import register_panel

        from .home import home_panel

        register_panel("surveys/partials/home.html", home_panel)
