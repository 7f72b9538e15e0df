from django.core.management.base import BaseCommand

from issues.suggest import min_issues, train_all_category_models


class Command(BaseCommand):
    help = "用已销号的问题重新训练各城市的问题类别推荐模型（与每周定时任务相同）。"

    def handle(self, *args, **options):
        trained = train_all_category_models()
        for m in trained:
            self.stdout.write(
                f"{m.city}：第 {m.version} 版，{m.sample_count} 条问题、{m.category_count} 个类别，"
                f"首选准确率 {m.top1_accuracy:.1%}，前三准确率 {m.top3_accuracy:.1%}"
                f"（多数类基线 {m.baseline_accuracy:.1%}）")
        if not trained:
            self.stdout.write(f"已销号问题不足（每个城市至少 {min_issues()} 条），未训练模型，暂不推荐类别。")
