from types import SimpleNamespace

from lodestar.org.templatetags.org_tags import department_options


def test_department_options_indent_by_depth_mark_the_selected_one_and_escape_names():
    departments = [
        SimpleNamespace(pk=1, name="星辰", depth=0),
        SimpleNamespace(pk=2, name="市场部", depth=1),
        SimpleNamespace(pk=3, name='<b>"R&D"</b>', depth=2),
    ]
    html = department_options(departments, SimpleNamespace(pk=2))
    assert html == (
        '<option value="1">星辰</option>'
        '<option value="2" selected>— 市场部</option>'
        '<option value="3">— — &lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;</option>'
    )
    assert "selected" not in department_options(departments, None)
    assert '<option value="3" selected>' in department_options(departments, 3)
