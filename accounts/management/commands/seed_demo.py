from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.demo import ACCOUNTS, DemoCity
from accounts.models import Unit

# Each app seeds its part of the demo city, in this order (later ones use earlier ones' data).
SEEDERS = [
    "accounts.demo.seed",
    "surveys.demo.seed",
    "points.demo.seed",
    "issues.demo.seed",
    # After the issue categories exist, so failed inspection items become issues.
    "issues.demo.seed_inspections",
    # Two finished mock rounds, inspected through the round's service (findings are issues).
    "rounds.demo.seed",
    "ledgers.demo.seed",
    "dashboard.demo.seed",
    "civic.demo.seed",
]


class Command(BaseCommand):
    help = "建立演示城市：单位、各角色账号以及各模块的演示数据（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo12345", help="演示账号的密码")
        parser.add_argument("--if-empty", action="store_true",
                            help="数据库中已有单位时什么也不做")

    def handle(self, *args, password, if_empty, **options):
        if if_empty and Unit.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        city = DemoCity(password=password)
        with transaction.atomic():
            for path in SEEDERS:
                import_string(path)(city)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。账号（密码 {password}）："))
        for username, (unit, _role, _name) in ACCOUNTS.items():
            self.stdout.write(f"  {username:<12} {city.users[username].get_role_display()} · {unit}")
