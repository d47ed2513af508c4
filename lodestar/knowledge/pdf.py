"""The annual report as a PDF (WeasyPrint, from the same template as the printable page).

A PDF without a Chinese font shows empty boxes instead of text: `cjk_fonts()` asks fontconfig
(`fc-list :lang=zh`) first and the caller answers a clear error instead (`make fonts` installs
Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache


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


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of `html`; MissingFontError when no CJK font is installed."""
    if not cjk_fonts():
        raise MissingFontError("no CJK font")
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
