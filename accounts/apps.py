from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "单位与账号"

    def ready(self):
        # Django 6 labels the empty choice of every select "- Select an option -" and ships no
        # Chinese for it; it asks projects to set their own label here.
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = "— 请选择 —"
