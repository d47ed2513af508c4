"""Reports as PDF (WeasyPrint) and as printable HTML, from one print template per report.

A report's print template extends `core/print.html` (A4 page, inline print stylesheet, a Chinese
font stack) and includes the same partials as its page, so the PDF shows the page's figures.

A PDF without a Chinese font shows empty boxes instead of text: `cjk_fonts()` asks fontconfig
(`fc-list :lang=zh`) first and the caller answers a clear error instead (`make fonts` installs
Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
import subprocess
from functools import lru_cache

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


class MissingFontError(RuntimeError):
    """No font on this machine covers Chinese."""


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...]:
    """The font families that cover Chinese, as fontconfig lists them (empty: none, or no fontconfig)."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        output = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({line.split(",")[0].strip() for line in output.splitlines() if line.strip()}))


# Relative URLs of a report (`{% static %}` gives "/static/…") resolve against this base; the
# fetcher answers those from the static files on disk and refuses everything else, so a report
# never reaches the network (nor a URL a user typed into a description).
REPORT_BASE_URL = "http://lodestar.invalid/"


def _static_fetcher():
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = REPORT_BASE_URL.rstrip("/") + settings.STATIC_URL

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(prefix):
                path = finders.find(url[len(prefix) :].split("?")[0])
                if path:
                    with open(path, "rb") as handle:
                        body = handle.read()
                    kind = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
            raise ValueError(f"not fetched for a report: {url}")

    return StaticFilesFetcher()


def render_pdf(html: str) -> bytes:
    """The PDF of `html` (its static files read from disk, nothing else fetched); MissingFontError
    when no CJK font is installed."""
    if not cjk_fonts():
        raise MissingFontError("no CJK font")
    from weasyprint import HTML

    # The UI kit's stylesheet (the minutes) is full of modern CSS WeasyPrint skips with a warning
    # per rule: hundreds of lines per PDF that say nothing about the report.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=_static_fetcher()).write_pdf()


def report_response(
    request, template: str, context: dict, *, as_pdf: bool, filename: str, back_url: str
) -> HttpResponse:
    """A report: the PDF of `template` (503 with a clear page without a Chinese font), or with
    `as_pdf` false the same template as a printable page.

    `filename` must be ASCII (it goes into a header); the template's static files (stylesheets) are
    read from disk, nothing else is fetched.
    """
    if not as_pdf:
        return render(request, template, {**context, "pdf": False})
    if not cjk_fonts():
        return render(request, "core/pdf_font_missing.html", {"back_url": back_url}, status=503)
    html = render_to_string(template, {**context, "pdf": True}, request=request)
    try:
        pdf = render_pdf(html)
    except MissingFontError:
        return render(request, "core/pdf_font_missing.html", {"back_url": back_url}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
