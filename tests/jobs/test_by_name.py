"""The by-name columns of the imports (points of issues, units of ledger tasks): one lookup,
one set of messages per row and column."""

from types import SimpleNamespace

from jobs.excel import ImportResult, by_name


def test_a_row_names_one_object_in_scope_or_gets_the_columns_message():
    found = by_name([SimpleNamespace(name="区城管局"), SimpleNamespace(name="东街街道"),
                     SimpleNamespace(name="东街街道")])
    result = ImportResult()
    assert result.named(found, 2, "牵头单位", "区城管局", what="单位").name == "区城管局"
    assert result.named(found, 3, "牵头单位", "", what="单位") is None
    assert result.named(found, 4, "配合单位", "", what="单位", required=False) is None
    assert result.named(found, 5, "配合单位", "西街街道", what="单位") is None
    assert result.named(found, 6, "配合单位", "东街街道", what="单位") is None
    assert result.errors == [
        {"row": 3, "column": "牵头单位", "message": "牵头单位不能为空。"},
        {"row": 5, "column": "配合单位",
         "message": "找不到单位“西街街道”（须为您管辖范围内的单位全称）。"},
        {"row": 6, "column": "配合单位", "message": "单位名称“东街街道”不唯一，请在系统中核对。"},
    ]


def test_the_name_can_be_another_field():
    people = by_name([SimpleNamespace(full_name="王芳", pk=1)], key=lambda u: u.full_name)
    assert people["王芳"].pk == 1
