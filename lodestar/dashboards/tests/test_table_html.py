"""The panels' table bodies built in Python (dashboards/table_html.py) are the markup the template wrote."""

from django.template import Context, Template

from lodestar.dashboards import table_html

# The loops the templates held before the bodies moved to Python, kept here as the reference (a list's
# figures, such as its dates, unbroken since).
TABLE_TEMPLATE = Template(
    '{% for cells in table %}<tr>{% for cell in cells %}<td{% if cell.kind != "text" and cell.kind != "health" %}'
    ' class="text-end text-nowrap"{% elif cell.text|length <= 4 %} class="text-nowrap"{% endif %}>{% if cell.href %}'
    '<a href="{{ cell.href }}">{{ cell.text }}</a>{% else %}{{ cell.text }}{% endif %}</td>{% endfor %}</tr>{% endfor %}'
)
ITEMS_TEMPLATE = Template(
    '{% for cells in table %}<tr>{% for cell in cells %}<td class="small{% if cell.kind != "text" and cell.kind != '
    '"health" or cell.text|length <= 4 %} text-nowrap{% endif %}">{% if cell.href %}<a href="{{ cell.href }}">'
    "{{ cell.text }}</a>{% else %}{{ cell.text }}"
    "{% endif %}</td>{% endfor %}</tr>{% endfor %}"
)

TABLE = [
    [
        {"text": "华东大区 <渠道> & “新品”", "href": "/dashboards/department/7/?a=1&b=2", "kind": "text"},
        {"text": "未处理", "href": None, "kind": "text"},
        {"text": "A long goal name with 'quotes'", "href": None, "kind": "health"},
        {"text": "ok", "href": None, "kind": "health"},
        {"text": "12.5%", "href": None, "kind": "rate"},
        {"text": "5,000,000.00", "href": "/goals/3/", "kind": "money"},
        {"text": "—", "href": None, "kind": "int"},
        {"text": "", "href": None, "kind": "text"},
    ],
    [{"text": "<script>alert(1)</script>", "href": 'javascript:"x"', "kind": "text"}],
]


def test_table_body_is_the_templates_markup():
    assert table_html.table_body(TABLE) == TABLE_TEMPLATE.render(Context({"table": TABLE}))


def test_items_body_is_the_templates_markup():
    assert table_html.items_body(TABLE) == ITEMS_TEMPLATE.render(Context({"table": TABLE}))


def test_every_text_is_escaped():
    body = table_html.table_body(TABLE)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert 'href="/dashboards/department/7/?a=1&amp;b=2"' in body


def test_an_empty_table_has_no_rows():
    assert table_html.table_body([]) == ""
    assert table_html.items_body([]) == ""
