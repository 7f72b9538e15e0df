from django import forms

from accounts.models import Unit, User

from .basemap import FILE_REQUIRED
from .models import BaseMapLayer, Framework, Point, PointCategory, PointCircle


class PointForm(forms.ModelForm):
    """Office staff create and edit points; unit and chief choices are limited to their scope."""

    class Meta:
        model = Point
        fields = ["name", "category", "address", "longitude", "latitude", "territorial_unit",
                  "supervising_unit", "partner_units", "chief", "kind", "is_active"]
        widgets = {"partner_units": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user).filter(is_active=True)
        self.fields["territorial_unit"].queryset = units
        self.fields["supervising_unit"].queryset = units.filter(kind=Unit.Kind.DEPARTMENT)
        self.fields["partner_units"].queryset = units
        self.fields["chief"].queryset = User.objects.visible_to(user).filter(
            is_active=True).select_related("unit").order_by("full_name", "username")
        self.fields["chief"].label_from_instance = lambda u: f"{u.display_name}（{u.unit}）"


class PointCircleForm(forms.ModelForm):
    class Meta:
        model = PointCircle
        fields = ["name", "core", "radius_m", "categories", "citywide"]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["core"].queryset = Point.objects.visible_to(user).select_related("category")
        self.fields["categories"].queryset = PointCategory.objects.all()
        from .services import is_city_office

        if not is_city_office(user):  # district offices keep their circles in the district
            del self.fields["citywide"]


class FrameworkImportForm(forms.Form):
    framework = forms.ModelChoiceField(label="导入到", queryset=Framework.objects.all(),
                                       required=False, empty_label="新建一个版本")
    name = forms.CharField(label="新版本名称", required=False, initial="全国文明城市测评体系")
    edition = forms.CharField(label="版本说明", required=False, help_text="如：2022年版（县级城市）")
    year = forms.IntegerField(label="年份", required=False)
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def clean(self):
        data = super().clean()
        if not data.get("framework") and not data.get("name"):
            self.add_error("name", "请选择已有版本，或填写新版本名称。")
        return data


class BaseMapUploadForm(forms.Form):
    kind = forms.ChoiceField(label="图层", choices=BaseMapLayer.Kind.choices,
                             error_messages={"required": "请选择图层。",
                                             "invalid_choice": "请选择图层：区县界、街道（镇）界或社区（村）界。"})
    file = forms.FileField(label="GeoJSON 文件或形状文件压缩包（.geojson、.json 或 .zip）",
                           error_messages={"required": FILE_REQUIRED, "empty": "文件是空的。"},
                           help_text="可上传 GeoJSON 文件，或把形状文件的 .shp、.shx、.dbf"
                                     "（有 .prj、.cpg 也一起）压缩成一个 .zip 上传，上传时自动转换。"
                                     "每个轮廓为面（多边形），属性中有“名称”字段，坐标为经纬度"
                                     "（WGS84 或国家 2000 坐标系；投影坐标和北京 54、西安 80 "
                                     "坐标系请先转换），不超过 5 MB。同一图层再次上传会替换原来的轮廓。")
    name_field = forms.CharField(label="名称字段（仅形状文件，可不填）", required=False,
                                 max_length=50,
                                 help_text="属性表中作为轮廓名称的字段名；不填时自动找"
                                           "“名称”字段。",
                                 error_messages={"max_length": "名称字段最多 50 个字。"})


class NearbyForm(forms.Form):
    """The nearby page's query: the phone's position (both or neither), a name filter and
    how many points to show."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, error_messages={
        "invalid": "纬度需为数字。", "min_value": "纬度需在 -90 到 90 之间。",
        "max_value": "纬度需在 -90 到 90 之间。"})
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, error_messages={
        "invalid": "经度需为数字。", "min_value": "经度需在 -180 到 180 之间。",
        "max_value": "经度需在 -180 到 180 之间。"})
    q = forms.CharField(required=False, max_length=50, error_messages={
        "max_length": "筛选文字最多 50 个字。"})
    n = forms.IntegerField(required=False, min_value=1, max_value=2000, error_messages={
        "invalid": "显示个数需为整数。", "min_value": "显示个数需在 1 到 2000 之间。",
        "max_value": "显示个数需在 1 到 2000 之间。"})

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None) and not self.errors:
            raise forms.ValidationError("经度和纬度需同时提供。")
        return data
