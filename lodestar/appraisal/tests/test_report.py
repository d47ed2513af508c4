"""An appraisal's result as a PDF and a printable page: Chinese text in the PDF, the page's figures
(final score, grade, coefficient), the page's readers only, the bonus only for who sees pay, and a
query count that does not grow with the reviews."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lodestar.appraisal.tests.outcomes_helpers import publish_worked_example
from lodestar.conftest import login
from lodestar.core import pdf
from lodestar.testing.pdf import assert_pdf_shows

needs_font = pytest.mark.skipif(not pdf.cjk_fonts(), reason="no CJK font installed (make fonts)")


def _figure(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}">')[1].split("<")[0].strip()


@needs_font
def test_the_appraisal_pdf_shows_the_result_in_chinese(aw, client_as):
    appraisal = publish_worked_example(aw)
    client = client_as("member")
    page = client.get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert reverse("appraisal:report_pdf", args=[appraisal.pk]) in page
    response = client.get(reverse("appraisal:report_pdf", args=[appraisal.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="appraisal-{appraisal.pk}.pdf"'
    assert_pdf_shows(
        response,
        appraisal.person.display_name,
        _figure(page, "final-score"),
        _figure(page, "grade").split()[0],
    )


def test_the_printable_result_has_the_pages_figures(aw, client_as, django_assert_max_num_queries):
    appraisal = publish_worked_example(aw)
    url = reverse("appraisal:report", args=[appraisal.pk])
    page = client_as("member").get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    with django_assert_max_num_queries(30):  # the page itself: 40
        printable = client_as("member").get(url).content.decode()
    for testid in ("final-score", "grade", "coefficient"):
        assert _figure(printable, testid) == _figure(page, testid), testid
    assert _figure(printable, "final-score") == "88.95"
    assert 'data-testid="bonus"' not in printable  # pay is for HR
    assert 'data-testid="bonus"' in client_as("hr").get(url).content.decode()


def test_the_result_report_has_the_pages_readers(aw, client_as):
    appraisal = publish_worked_example(aw)
    for name in ("appraisal:report", "appraisal:report_pdf"):
        url = reverse(name, args=[appraisal.pk])
        assert client_as("sales_manager").get(url).status_code == 404
        assert login(aw.peer2).get(url).status_code == 404
        assert client_as("viewer").get(url).status_code == 403
    assert client_as("mkt_manager").get(reverse("appraisal:report", args=[appraisal.pk])).status_code == 200
