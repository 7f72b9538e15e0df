from django import forms

from .models import Channel, NotificationKind, Role, Unit, User


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect
                          | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class AccountForm(StyledForm):
    """A person's account as the office keeps it (new or edited)."""

    username = forms.CharField(label="登录账号", max_length=150,
                               help_text="字母、数字或 @ . + - _，例如手机号或姓名拼音。")
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = forms.ModelChoiceField(label="所属单位", queryset=Unit.objects.none(),
                                  empty_label="请选择")
    role = forms.ChoiceField(label="角色", choices=[("", "请选择"), *Role.choices])
    phone = forms.CharField(label="手机号", max_length=20, required=False,
                            help_text="群机器人 @本人 和短信按此号码发送。")
    email = forms.EmailField(label="电子邮箱", required=False)

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True)
        if editing:
            del self.fields["username"]


class HandoverForm(StyledForm):
    successor = forms.ModelChoiceField(label="接任人", queryset=User.objects.none(),
                                       empty_label="请选择同单位的接任人")

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            User.objects.filter(unit_id=account.unit_id, is_active=True)
            .exclude(pk=account.pk).order_by("full_name", "username"))


class DeliveryForm(StyledForm):
    """Where a person wants each kind of message pushed, besides the inbox."""

    phone = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    digest = forms.BooleanField(
        label="每日汇总：不逐条推送，每天 18:00 汇总发送一次", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[f"kind_{kind}"] = forms.MultipleChoiceField(
                label=label, choices=Channel.choices, required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    def kind_fields(self):
        return [self[f"kind_{kind}"] for kind in NotificationKind.values]

    @staticmethod
    def initial_for(user):
        initial = {"phone": user.phone, "email": user.email, "digest": user.digest}
        for kind in NotificationKind.values:
            initial[f"kind_{kind}"] = [c for c in user.channels_for(kind)
                                       if c != Channel.EMAIL or user.email]
        return initial

    def clean(self):
        data = super().clean()
        chosen = {c for k in NotificationKind.values for c in data.get(f"kind_{k}", [])}
        if Channel.SMS in chosen and not data.get("phone"):
            self.add_error("phone", "选择短信推送时请填写手机号。")
        if Channel.ROBOT in chosen and not data.get("phone"):
            self.add_error("phone", "群机器人按手机号 @本人，请填写手机号。")
        if Channel.EMAIL in chosen and not data.get("email"):
            self.add_error("email", "选择邮件推送时请填写电子邮箱。")
        return data

    def delivery(self):
        return {k: self.cleaned_data.get(f"kind_{k}", []) for k in NotificationKind.values}


def apply_errors(form, exc):
    """A service's ValidationError onto the form: each message on its field, or on the form
    when the field is not one of the form's."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
