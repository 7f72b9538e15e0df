import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.citygen import SCALES, GeneratedCity
from accounts.models import Unit

# Each app adds its part of the benchmark data set, in this order.
GENERATORS = [
    "accounts.citygen.generate",
    "surveys.demo.generate",
    "points.demo.generate",
    "issues.citygen.generate",
    "ledgers.citygen.generate",
    "civic.citygen.generate",
]


class Command(BaseCommand):
    help = "生成基准测试数据集（--scale city 为全市规模，small 用于测试）。需要空数据库。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale, seed, **options):
        if Unit.objects.exists():
            raise CommandError("数据库中已有单位：请在空数据库上生成（例如新建一个数据库）。")
        city = GeneratedCity(scale, random.Random(seed))
        for path in GENERATORS:
            started = time.monotonic()
            with transaction.atomic():
                import_string(path)(city)
            self.stdout.write(f"{path}: {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"已生成 {scale} 规模数据：{len(city.units)} 个单位，"
                                             f"{len(city.users)} 个用户。"))
