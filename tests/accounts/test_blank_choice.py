"""Every select's empty choice speaks Chinese (Django 6 ships no translation for it)."""

from django import forms

from accounts.models import Unit, User


class _Form(forms.ModelForm):
    class Meta:
        model = User
        fields = ["unit", "role"]


def test_empty_choice_of_model_and_choice_fields_is_chinese(db):
    html = str(_Form())
    assert "— 请选择 —" in html
    assert "Select an option" not in html
    assert forms.ModelChoiceField(Unit.objects.all()).empty_label == "— 请选择 —"


def test_a_list_filter_left_alone_reads_all(client, city):
    """The filter bar's selects and yes/no filters start at 全部 (not ---------, 请选择 or
    未知)."""
    import re

    client.force_login(city.users.office)
    page = client.get("/issues/").content.decode()
    bar = page[page.index('name="status"'):page.index('name="ordering"')]
    assert "---------" not in bar and "未知" not in bar and "请选择" not in bar
    for name in ("status", "unit", "category", "source", "open", "overdue"):
        select = re.search(rf'<select name="{name}"[^>]*>\s*<option value="([^"]*)"[^>]*>([^<]*)<',
                           page)
        assert select and select.group(2) == "全部", name
    # The order left alone is the list's own, not 全部.
    assert re.search(r'<select name="ordering"[^>]*>\s*<option value=""[^>]*>默认排序<', page)
