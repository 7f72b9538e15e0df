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
