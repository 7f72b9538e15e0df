from django.apps import AppConfig


class CivicConfig(AppConfig):
    """文明随手拍: residents' reports, moderated by the office into issues, and the Open311
    GeoReport v2 interface through which the 12345 hotline and 数字城管 push and pull cases."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "civic"
    verbose_name = "文明随手拍"

    def ready(self):
        from accounts.home import register_panel

        from .home import home_panel

        register_panel("civic/partials/home.html", home_panel)
