"""Forms of the rounds pages: the round itself, a team, a swap."""

from django import forms

from accounts.models import Unit
from points.models import Framework

from .models import Round, RoundTeam


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["name", "kind", "region", "framework", "starts", "ends", "strata",
                  "random_share"]
        widgets = {"starts": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "ends": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "name": {"required": "请填写轮次名称。"},
            "region": {"required": "请选择测评范围。", "invalid_choice": "测评范围须为您管辖的区县或城市。"},
            "framework": {"required": "请选择测评体系版本。", "invalid_choice": "请选择有效的测评体系版本。"},
            "starts": {"required": "请填写开始日期。", "invalid": "开始日期格式应为 年-月-日。"},
            "ends": {"required": "请填写结束日期。", "invalid": "结束日期格式应为 年-月-日。"},
            "random_share": {"invalid": "随机点位比例须为0到100之间的整数。",
                             "max_value": "随机点位比例不能超过100。"},
            "kind": {"invalid_choice": "请选择有效的测评类型。"},
            "strata": {"invalid_choice": "请选择有效的分层方式。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Unit.objects.visible_to(user).filter(
            kind__in=Unit.REGION_KINDS).order_by("path")
        self.fields["framework"].queryset = Framework.objects.all()
        self.fields["random_share"].max_value = 100
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)

    def clean_random_share(self):
        share = self.cleaned_data.get("random_share")
        if share is not None and share > 100:
            raise forms.ValidationError("随机点位比例不能超过100。")
        return share


class TeamForm(forms.ModelForm):
    class Meta:
        model = RoundTeam
        fields = ["name", "members", "start_name", "start_latitude", "start_longitude"]
        widgets = {"members": forms.CheckboxSelectMultiple}
        error_messages = {
            "name": {"required": "请填写组名。"},
            "members": {"required": "请至少选择一名组员。",
                        "invalid_choice": "组员须为本测评范围内的督查员或创城办工作人员。",
                        "invalid_pk_value": "组员选择无效。"},
            "start_latitude": {"invalid": "纬度须为数字，如 38.93。"},
            "start_longitude": {"invalid": "经度须为数字，如 100.45。"},
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = lambda u: f"{u.display_name}（{u.unit}）"
        for name, f in self.fields.items():
            if name != "members":
                f.widget.attrs.setdefault("class", "form-control")


class SwapForm(forms.Form):
    reason = forms.CharField(label="替换原因", max_length=200, required=True,
                             error_messages={"required": "请填写替换原因（如：点位已拆除、正在施工）。",
                                             "max_length": "替换原因不超过200字。"})
    new_point = forms.IntegerField(label="替换为", required=False,
                                   error_messages={"invalid": "请选择有效的替换点位。"})
