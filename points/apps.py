from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "点位与测评体系"
