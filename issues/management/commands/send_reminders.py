from django.core.management.base import BaseCommand
from django.utils import timezone

from issues.reminders import send_reminders


class Command(BaseCommand):
    help = "发送一次整改期限提醒和逾期升级（与定时任务相同的服务）。"

    def handle(self, *args, **options):
        counts = send_reminders(now=timezone.now())
        total = sum(counts.values())
        detail = "，".join(f"{k} {v}" for k, v in sorted(counts.items())) or "无"
        self.stdout.write(f"新发送提醒 {total} 条（{detail}）")
