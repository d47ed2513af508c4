"""Bulk import of departments and people: encodings, row-level errors, all-or-nothing writes."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from lodestar.conftest import fresh_user
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.org.importing import org_import, template_rows
from lodestar.org.models import Department, Person, Position, Role

User = get_user_model()

DEPT_HEADER = ["部门编码", "部门名称", "上级部门编码", "负责人账号", "排序"]
PEOPLE_HEADER = ["账号", "姓名", "部门编码", "职位", "邮箱", "手机", "直属上级账号", "角色", "是否部门负责人"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join(cell for cell in row) for row in rows) + "\r\n"
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def xlsx_bytes(rows: list[list], title: str = "Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts():
    return (
        Department.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        sorted(Department.objects.values_list("code", "name", "path", "parent_id", "manager_id")),
        sorted(Person.objects.values_list("display_name", "department_id", "manager_id", "role", "title")),
    )


def run(org, kind, data, filename="org.csv", actor=None, commit=True):
    return org_import(
        actor=actor or fresh_user(org.admin), kind=kind, data=data, filename=filename, commit=commit
    )


def errors_of(result):
    return [(e.row, e.field, e.code) for e in result.errors]


def assert_tree_consistent():
    by_pk = {d.pk: d for d in Department.objects.all()}
    for d in by_pk.values():
        parent = by_pk.get(d.parent_id)
        assert d.path == f"{parent.path if parent else '/'}{d.pk}/", d.name
        assert d.depth == (parent.depth + 1 if parent else 0), d.name


# --- departments ----------------------------------------------------------------------------

DEPARTMENT_ROWS = [
    DEPT_HEADER,
    # the child comes before its parent: order in the file must not matter
    ["MKT-CONTENT-XHS", "小红书组", "MKT-CONTENT", "", "2"],
    ["MKT-CONTENT", "内容营销部", "MKT-NEW", "member", "1"],
    ["MKT-NEW", "新市场中心", "CO", "", ""],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_department_csv_in_every_encoding(org, encoding):
    result = run(org, "departments", csv_bytes(DEPARTMENT_ROWS, encoding))
    assert result.ok, errors_of(result)
    assert result.committed
    assert (result.rows_total, result.rows_ok, result.created, result.updated) == (3, 3, 2, 1)
    xhs = Department.objects.get(code="MKT-CONTENT-XHS")
    content = Department.objects.get(code="MKT-CONTENT")
    new = Department.objects.get(code="MKT-NEW")
    assert xhs.name == "小红书组"
    assert (xhs.parent, content.parent, new.parent) == (content, new, org.company)
    assert content.name == "内容营销部"
    assert content.manager == org.member
    assert (xhs.sort_order, content.sort_order) == (2, 1)
    assert content.version == 2
    assert (new.depth, content.depth, xhs.depth) == (1, 2, 3)
    assert_tree_consistent()


def test_gbk_is_detected_as_a_chinese_encoding(org):
    result = run(org, "departments", csv_bytes(DEPARTMENT_ROWS, "gbk"), commit=False)
    assert result.encoding in ("gb18030", "gbk")
    assert not result.committed


def test_department_xlsx(org):
    rows = [
        DEPT_HEADER,
        ["BRAND", "品牌部", "CO", "sales_manager", 3],
        ["BRAND-PR", "公关组", "BRAND", None, None],
    ]
    result = run(org, "departments", xlsx_bytes(rows), "部门.xlsx")
    assert result.ok, errors_of(result)
    brand = Department.objects.get(code="BRAND")
    assert (brand.parent, brand.manager, brand.sort_order) == (org.company, org.sales_manager, 3)
    assert Department.objects.get(code="BRAND-PR").parent == brand
    assert_tree_consistent()


def test_english_headers_and_blank_rows(org):
    rows = [["code", "name", "parent_code"], ["A1", "甲", "CO"], ["", "", ""], ["A2", "乙", "A1"]]
    result = run(org, "departments", csv_bytes(rows))
    assert result.ok, errors_of(result)
    assert result.rows_total == 2
    assert Department.objects.get(code="A2").parent.code == "A1"


def test_validate_only_writes_nothing(org):
    before = counts()
    result = run(org, "departments", csv_bytes(DEPARTMENT_ROWS), commit=False)
    assert result.ok
    assert not result.committed
    assert counts() == before


def test_moving_an_existing_department_moves_its_subtree(org):
    # Put MKT (with its content team) under SALES.
    result = run(org, "departments", csv_bytes([DEPT_HEADER, ["MKT", "市场部", "SALES", "", ""]]))
    assert result.ok, errors_of(result)
    assert Department.objects.get(code="MKT").parent == org.sales
    assert Department.objects.get(code="MKT-CONTENT").depth == 3
    assert_tree_consistent()


def test_update_without_parent_column_keeps_the_tree(org):
    """A file with only codes and names renames; it must not flatten the tree."""
    result = run(org, "departments", csv_bytes([["部门编码", "部门名称"], ["MKT-CONTENT", "内容营销组"]]))
    assert result.ok, errors_of(result)
    content = Department.objects.get(code="MKT-CONTENT")
    assert content.name == "内容营销组"
    assert content.parent == org.mkt
    assert content.path == org.content.path
    assert_tree_consistent()


def test_department_row_errors_write_nothing(org):
    before = counts()
    rows = [
        DEPT_HEADER,
        ["OK1", "没问题", "CO", "", ""],
        ["", "无编码", "", "", ""],  # row 3: code empty
        ["OK1", "重复", "CO", "", ""],  # row 4: duplicate code
        ["X1", "", "CO", "", ""],  # row 5: name empty
        ["X2", "未知上级", "NOPE", "", ""],  # row 6: unknown parent
        ["X3", "未知负责人", "CO", "ghost", ""],  # row 7: unknown manager
        ["X4", "排序", "CO", "", "abc"],  # row 8: sort order
        ["X5", "名" * 81, "CO", "", ""],  # row 9: name too long
        ["C" * 41, "长编码", "CO", "", ""],  # row 10: code too long
    ]
    result = run(org, "departments", csv_bytes(rows))
    assert not result.ok
    assert not result.committed
    assert errors_of(result) == [
        (3, "code", "required"),
        (4, "code", "duplicate"),
        (5, "name", "required"),
        (6, "parent_code", "unknown_parent"),
        (7, "manager_username", "unknown_person"),
        (8, "sort_order", "invalid"),
        (9, "name", "invalid"),
        (10, "code", "invalid"),
    ]
    assert "OK1" in result.errors[1].message and "2" in result.errors[1].message  # names the other row
    assert (result.rows_total, result.rows_ok) == (9, 1)
    assert counts() == before


def test_department_cycles_in_the_file(org):
    before = counts()
    rows = [DEPT_HEADER, ["A", "甲", "B", "", ""], ["B", "乙", "A", "", ""], ["S", "自己", "S", "", ""]]
    result = run(org, "departments", csv_bytes(rows))
    assert {(row, code) for row, _field, code in errors_of(result)} == {
        (2, "cycle"),
        (3, "cycle"),
        (4, "cycle"),
    }
    assert counts() == before


def test_department_cycle_through_existing_departments(org):
    # MKT exists under CO; making CO a child of MKT-CONTENT (MKT's child) loops.
    before = counts()
    result = run(org, "departments", csv_bytes([DEPT_HEADER, ["CO", "星辰公司", "MKT-CONTENT", "", ""]]))
    assert errors_of(result) == [(2, "parent_code", "cycle")]
    assert counts() == before


def test_sort_order_must_be_a_plain_number(org):
    before = counts()
    result = run(org, "departments", csv_bytes([DEPT_HEADER, ["X", "甲", "CO", "", "²"]]))
    assert errors_of(result) == [(2, "sort_order", "invalid")]
    assert counts() == before


# --- people -----------------------------------------------------------------------------------


PEOPLE_ROWS = [
    PEOPLE_HEADER,
    # the report comes before the manager they name
    [
        "lisi",
        "李四",
        "MKT-CONTENT",
        "小红书运营",
        "lisi@example.com",
        "13800000000",
        "zhangsan",
        "成员",
        "否",
    ],
    ["zhangsan", "张三", "MKT-CONTENT", "内容经理", "zhangsan@example.com", "", "mkt_manager", "成员", "是"],
    ["qianqi", "钱七", "SALES", "", "", "", "", "HR", ""],
    ["guest2", "访客二", "CO", "", "", "", "", "只读", "否"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_people_csv_in_every_encoding(org, encoding):
    result = run(org, "people", csv_bytes(PEOPLE_ROWS, encoding))
    assert result.ok, errors_of(result)
    assert (result.rows_total, result.created, result.updated) == (4, 4, 0)
    lisi = Person.objects.select_related("user").get(user__username="lisi")
    zhangsan = Person.objects.get(user__username="zhangsan")
    assert (lisi.display_name, lisi.title, lisi.phone, lisi.user.email) == (
        "李四",
        "小红书运营",
        "13800000000",
        "lisi@example.com",
    )
    assert lisi.manager == zhangsan
    assert zhangsan.manager == org.mkt_manager
    assert Department.objects.get(pk=org.content.pk).manager == zhangsan
    assert Person.objects.get(user__username="qianqi").role == Role.HR
    assert Person.objects.get(user__username="guest2").role == Role.VIEWER
    assert not lisi.user.has_usable_password()


def test_people_xlsx_with_numbers_in_cells(org):
    rows = [PEOPLE_HEADER, ["wangwu", "王五", "SALES", "销售", None, 13912345678, None, None, None]]
    result = run(org, "people", xlsx_bytes(rows), "people.xlsx")
    assert result.ok, errors_of(result)
    assert Person.objects.get(user__username="wangwu").phone == "13912345678"


def test_people_update_existing_rows(org):
    rows = [
        PEOPLE_HEADER,
        ["member", "林晓晓", "SALES", "销售代表", "lx@example.com", "", "sales_manager", "", ""],
    ]
    before_people = Person.objects.count()
    result = run(org, "people", csv_bytes(rows))
    assert result.ok, errors_of(result)
    assert (result.created, result.updated) == (0, 1)
    member = Person.objects.select_related("user").get(pk=org.member.pk)
    assert (member.display_name, member.department, member.title, member.manager) == (
        "林晓晓",
        org.sales,
        "销售代表",
        org.sales_manager,
    )
    assert member.user.email == "lx@example.com"
    assert member.role == Role.MEMBER
    assert member.version == 2
    assert Person.objects.count() == before_people


def test_existing_username_in_another_case_is_updated_not_duplicated(org):
    rows = [PEOPLE_HEADER, ["Member", "林晓", "MKT-CONTENT", "编辑", "", "", "", "", ""]]
    before = User.objects.count()
    result = run(org, "people", csv_bytes(rows))
    assert result.ok, errors_of(result)
    assert User.objects.count() == before
    assert User.objects.filter(username__iexact="member").count() == 1
    assert Person.objects.get(pk=org.member.pk).title == "编辑"


def test_people_row_errors_write_nothing(org):
    before = counts()
    rows = [
        PEOPLE_HEADER,
        ["good", "好人", "SALES", "", "", "", "", "", ""],
        ["", "无账号", "SALES", "", "", "", "", "", ""],  # 3 username empty
        ["bad name", "空格", "SALES", "", "", "", "", "", ""],  # 4 invalid username
        ["GOOD", "重复", "SALES", "", "", "", "", "", ""],  # 5 duplicate (case-insensitive)
        ["nodept", "无部门", "NOPE", "", "", "", "", "", ""],  # 6 unknown department
        ["nomgr", "无上级", "SALES", "", "", "", "ghost", "", ""],  # 7 unknown manager
        ["selfmgr", "自己", "SALES", "", "", "", "selfmgr", "", ""],  # 8 own manager
        ["badmail", "邮箱", "SALES", "", "nope@", "", "", "", ""],  # 9 email
        ["badrole", "角色", "SALES", "", "", "", "", "老板", ""],  # 10 role
        ["badflag", "负责人", "SALES", "", "", "", "", "", "也许"],  # 11 is_manager
        ["noname", "", "", "", "", "", "", "", ""],  # 12 name and department empty
        ["longtitle", "长职位", "SALES", "职" * 81, "", "", "", "", ""],  # 13 title
    ]
    result = run(org, "people", csv_bytes(rows))
    assert not result.committed
    assert errors_of(result) == [
        (3, "username", "required"),
        (4, "username", "invalid"),
        (5, "username", "duplicate"),
        (6, "department_code", "unknown_department"),
        (7, "manager_username", "unknown_person"),
        (8, "manager_username", "cycle"),
        (9, "email", "invalid"),
        (10, "role", "invalid"),
        (11, "is_manager", "invalid"),
        (12, "department_code", "required"),
        (12, "display_name", "required"),
        (13, "title", "invalid"),
    ]
    assert (result.rows_total, result.rows_ok) == (12, 1)
    assert counts() == before


def test_people_manager_cycle_in_the_file(org):
    before = counts()
    rows = [
        PEOPLE_HEADER,
        ["a1", "甲", "SALES", "", "", "", "b1", "", ""],
        ["b1", "乙", "SALES", "", "", "", "a1", "", ""],
    ]
    result = run(org, "people", csv_bytes(rows))
    assert not result.ok
    assert {(row, field, code) for row, field, code in errors_of(result)} == {
        (2, "manager_username", "cycle"),
        (3, "manager_username", "cycle"),
    }
    assert counts() == before


def test_people_manager_cycle_through_existing_people(org):
    # member reports to mkt_manager; a file making mkt_manager report to member loops.
    before = counts()
    rows = [PEOPLE_HEADER, ["mkt_manager", "赵敏", "MKT", "", "", "", "member", "", ""]]
    result = run(org, "people", csv_bytes(rows))
    assert errors_of(result) == [(2, "manager_username", "cycle")]
    assert counts() == before


def test_people_values_longer_than_the_database_allows_are_row_errors(org):
    before = counts()
    rows = [
        PEOPLE_HEADER,
        ["u" * 151, "长账号", "SALES", "", "", "", "", "", ""],
        ["longphone", "长电话", "SALES", "", "", "1" * 31, "", "", ""],
    ]
    result = run(org, "people", csv_bytes(rows))
    assert errors_of(result) == [(2, "username", "invalid"), (3, "phone", "invalid")]
    assert counts() == before


def test_accounts_without_a_person_record(org):
    """A login that is not in the organisation can be neither a manager nor silently re-created."""
    User.objects.create_user("outsider", password="x")
    before = counts()
    result = run(
        org, "people", csv_bytes([PEOPLE_HEADER, ["newbie", "新人", "SALES", "", "", "", "outsider", "", ""]])
    )
    assert errors_of(result) == [(2, "manager_username", "unknown_person")]
    result = run(
        org, "people", csv_bytes([PEOPLE_HEADER, ["OUTSIDER", "外人", "SALES", "", "", "", "", "", ""]])
    )
    assert errors_of(result) == [(2, "username", "duplicate")]
    assert counts() == before


def test_missing_required_columns(org):
    before = counts()
    result = run(org, "people", csv_bytes([["账号", "职位"], ["x", "y"]]))
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (1, "display_name", "missing_column"),
        (1, "department_code", "missing_column"),
    ]
    assert "姓名" in result.errors[0].message
    assert counts() == before


# --- files that are not what they claim ------------------------------------------------------


def test_header_only_file(org):
    before = counts()
    for data, name in ((csv_bytes([DEPT_HEADER]), "d.csv"), (xlsx_bytes([DEPT_HEADER]), "d.xlsx")):
        result = run(org, "departments", data, name)
        assert errors_of(result) == [(2, None, "empty")]
    assert counts() == before


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(org, data):
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", data)
    assert (exc.value.code, exc.value.field) == ("empty", "file")


def test_empty_xlsx(org):
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", xlsx_bytes([]), "empty.xlsx")
    assert exc.value.code == "empty"


def test_broken_xlsx(org):
    good = xlsx_bytes([DEPT_HEADER, ["A", "甲", "", "", ""]])
    for data in (b"this is not a workbook", good[: len(good) // 2]):
        with pytest.raises(ApplicationError) as exc:
            run(org, "departments", data, "broken.xlsx")
        assert (exc.value.code, exc.value.field) == ("bad_file", "file")
    # A zip that is not a workbook at all.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", buffer.getvalue(), "zip.xlsx")
    assert exc.value.code == "bad_file"


def test_zip_bomb_is_refused_before_inflating(org, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # small on the wire

    def must_not_open(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", must_not_open)
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", data, "bomb.xlsx")
    assert (exc.value.code, exc.value.field) == ("file_too_large", "file")


def test_high_compression_ratio_is_refused(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"a" * (5 * 1024 * 1024))  # far more than 200:1
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", buffer.getvalue(), "ratio.xlsx")
    assert exc.value.code == "file_too_large"


def test_old_xls_is_refused_clearly(org):
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "部门.XLS")
    assert exc.value.code == "bad_file"
    assert ".xls" in exc.value.message


def test_undecodable_bytes(org):
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", b"\x81\x30\xff\xfe\xfd" * 10 + b"\x80", "x.csv")
    assert exc.value.code in ("bad_encoding", "bad_file")


def test_file_too_large(org, settings):
    settings.LODESTAR_IMPORT_MAX_BYTES = 100
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", csv_bytes([DEPT_HEADER] + [["A", "甲", "", "", ""]] * 20))
    assert exc.value.code == "file_too_large"


def test_too_many_rows(org, settings):
    settings.LODESTAR_IMPORT_MAX_ROWS = 3
    rows = [DEPT_HEADER] + [[f"A{i}", "甲", "", "", ""] for i in range(4)]
    with pytest.raises(ApplicationError) as exc:
        run(org, "departments", csv_bytes(rows))
    assert exc.value.code == "too_many_rows"


# --- who may import --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mkt_manager", "member", "hr", "viewer"])
def test_only_admins_import(org, role):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        run(org, "departments", csv_bytes(DEPARTMENT_ROWS), actor=fresh_user(org.person(role)))
    assert counts() == before


def test_unknown_kind(org):
    with pytest.raises(ApplicationError) as exc:
        run(org, "goals", csv_bytes(DEPARTMENT_ROWS))
    assert exc.value.field == "kind"


@pytest.mark.parametrize("kind", ["departments", "people"])
def test_the_template_imports_cleanly(db, kind):
    """The downloadable template's example rows are valid (departments first, then people)."""
    root = User.objects.create_superuser("root", "r@example.com", "x")
    headers, rows = template_rows("departments")
    assert org_import(actor=root, kind="departments", data=csv_bytes([headers, *rows]), filename="d.csv").ok
    if kind == "people":
        headers, rows = template_rows("people")
        result = org_import(actor=root, kind="people", data=xlsx_bytes([headers, *rows]), filename="p.xlsx")
        assert result.ok, errors_of(result)
        assert Person.objects.get(user__username="lisi").manager.user.username == "zhangsan"
        assert Department.objects.get(code="MKT-CONTENT").manager.user.username == "zhangsan"


def test_people_come_with_their_position(org):
    """岗位 is imported with people (issue #15): positions are created on first mention and reused."""
    header = ["账号", "姓名", "部门编码", "职位", "岗位"]
    rows = [
        header,
        ["zhangsan", "张三", "MKT", "内容营销经理", "市场岗"],
        ["lisi", "李四", "SALES", "销售代表", "销售岗"],
    ]
    result = run(org, "people", csv_bytes(rows))
    assert result.ok, errors_of(result)
    rows = [header, ["member", "林晓", "MKT-CONTENT", "编辑", "市场岗"]]
    assert run(org, "people", csv_bytes(rows)).ok
    assert sorted(Position.objects.values_list("name", flat=True)) == ["市场岗", "销售岗"]
    assert Person.objects.get(user__username="zhangsan").position.name == "市场岗"
    assert (
        Person.objects.get(pk=org.member.pk).position
        == Person.objects.get(user__username="zhangsan").position
    )
    assert Person.objects.get(pk=org.member.pk).title == "编辑"


def test_a_position_name_over_60_characters_is_a_row_error(org):
    rows = [["账号", "姓名", "部门编码", "岗位"], ["zhangsan", "张三", "MKT", "岗" * 61]]
    result = run(org, "people", csv_bytes(rows))
    assert errors_of(result) == [(2, "position", "invalid")]
    assert not Position.objects.exists()
