from django.core.management.base import BaseCommand

from ledgers.copycheck import index_all_reports


class Command(BaseCommand):
    help = ("把已签字确认的全部台账说明报告编入雷同核查索引（一次性，上线或调整阈值后运行）；"
            "按签字时间先后逐份核查，可重复运行。")

    def add_arguments(self, parser):
        parser.add_argument("--only-missing", action="store_true",
                            help="只处理尚未核查过的报告")

    def handle(self, *args, only_missing=False, **options):
        def progress(done, total):
            if done % 500 == 0 or done == total:
                self.stdout.write(f"已核查 {done} / {total}")

        checked, flagged = index_all_reports(only_missing=only_missing, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"共核查 {checked} 份报告，其中 {flagged} 份疑似雷同。"))
