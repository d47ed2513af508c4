"""The fast selects must produce the same markup as Django's own widgets."""

from __future__ import annotations

from django import forms
from django.test import SimpleTestCase

from lodestar.core.widgets import FastSelect, FastSelectMultiple

CHOICES = [("", "---------"), (1, "赵敏 · 经理"), (2, 'Tom "<b>" & Co'), (3, "林晓")]
GROUPED = [("市场部", [(1, "赵敏"), (2, "林晓")]), ("销售部", [(3, "王强")])]


class FastSelectTests(SimpleTestCase):
    def test_single_select_matches_django(self):
        attrs = {"id": "id_owner", "class": "form-select", "required": True}
        for value in (None, 2, "3"):
            self.assertHTMLEqual(
                FastSelect(choices=CHOICES).render("owner", value, attrs),
                forms.Select(choices=CHOICES).render("owner", value, attrs),
            )

    def test_multiple_select_matches_django(self):
        attrs = {"id": "id_r", "size": 4}
        for value in ([], [1, 3], ["2"]):
            self.assertHTMLEqual(
                FastSelectMultiple(choices=CHOICES[1:]).render("r", value, attrs),
                forms.SelectMultiple(choices=CHOICES[1:]).render("r", value, attrs),
            )

    def test_option_groups_match_django(self):
        self.assertHTMLEqual(
            FastSelect(choices=GROUPED).render("p", 3, {}),
            forms.Select(choices=GROUPED).render("p", 3, {}),
        )

    def test_labels_are_escaped(self):
        html = FastSelect(choices=CHOICES).render("owner", None)
        self.assertIn("Tom &quot;&lt;b&gt;&quot; &amp; Co", html)
        self.assertNotIn("<b>", html)


class DateInputTests(SimpleTestCase):
    def test_the_value_is_iso_whatever_the_language(self):
        """`<input type="date">` takes only YYYY-MM-DD: in zh-Hans Django's localised 2026/10/15 would
        leave the field empty in the browser (a form's saved due date lost on the next save)."""
        import datetime as dt

        from django.utils import translation

        from lodestar.core.forms import DateInput

        with translation.override("zh-hans"):
            html = DateInput(attrs={"class": "x"}).render("due", dt.date(2026, 10, 15))
        assert 'type="date"' in html and 'value="2026-10-15"' in html and 'class="x"' in html

    def test_every_date_field_of_every_app_form_renders_iso(self):
        """No form builds its own `<input type="date">` with Django's localised value."""
        import datetime as dt

        from django.utils import translation

        from lodestar.knowledge.forms import SopForm
        from lodestar.tracking.forms import FollowUpForm

        with translation.override("zh-hans"):
            for field in (SopForm.base_fields["review_date"], FollowUpForm.base_fields["due"]):
                html = field.widget.render("d", dt.date(2026, 12, 31))
                assert 'type="date"' in html and 'value="2026-12-31"' in html, html
