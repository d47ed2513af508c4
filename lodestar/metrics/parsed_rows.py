"""The good rows of an import, parsed once (issue 16): the validation pass spools them, the import pass reads
them back instead of reading and parsing the file a second time.

The spool is an anonymous temporary file (removed when closed, also when the process dies), so a
million-row file costs a few tens of megabytes of disk and no memory. One line per row, in PostgreSQL's
COPY text format (which is also a plain tab-separated file): the date (ISO 8601), the channel id (`\\N` for
"all channels") and the row's values in the order of the plan's value columns, each a Decimal as text
(already quantized to the four places of MetricPoint.value, so the text is never in exponent notation).
`blocks()` hands the bytes as they are to COPY; `rows()` gives them back as tuples for an INSERT.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from types import TracebackType

NULL = "\\N"
LINES_PER_WRITE = 4096
BLOCK_BYTES = 1024 * 1024


class ParsedRows:
    """Rows of (date, channel id or None, values) written once, read back any number of times."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.count = 0
        self.first: dt.date | None = None
        self.last: dt.date | None = None
        self._file = tempfile.TemporaryFile(prefix="lodestar-import-", suffix=".tsv")  # noqa: SIM115 - closed by close()
        self._pending: list[str] = []
        self._day: dt.date | None = None
        self._day_text = ""

    def add(self, day: dt.date, channel_id: int | None, values: Sequence[Decimal]) -> None:
        if len(values) != self.columns:
            raise ValueError(f"expected {self.columns} values, got {len(values)}")
        if day != self._day:  # an export lists a day's channels together: its date is written once
            self._day, self._day_text = day, day.isoformat()
            if self.first is None or day < self.first:
                self.first = day
            if self.last is None or day > self.last:
                self.last = day
        text = "\t".join(map(str, values))
        self._pending.append(f"{self._day_text}\t{NULL if channel_id is None else channel_id}\t{text}\n")
        if len(self._pending) >= LINES_PER_WRITE:
            self._write_pending()
        self.count += 1

    def _write_pending(self) -> None:
        if self._pending:
            self._file.write("".join(self._pending).encode("ascii"))
            self._pending = []

    def blocks(self) -> Iterator[bytes]:
        """The spooled text in blocks of about a megabyte, each ending at a line end."""
        self._write_pending()
        self._file.seek(0)
        rest = b""
        while block := self._file.read(BLOCK_BYTES):
            block = rest + block
            end = block.rfind(b"\n") + 1
            rest = block[end:]
            if end:
                yield block[:end]
        if rest:  # pragma: no cover - every line written ends with "\n"
            yield rest

    def rows(self) -> Iterator[tuple[str | None, ...]]:
        """Each row as (date "YYYY-MM-DD", channel id as text or None, value texts …)."""
        for block in self.blocks():
            for line in block.decode("ascii").splitlines():
                fields = line.split("\t")
                if fields[1] == NULL:
                    yield (fields[0], None, *fields[2:])
                else:
                    yield tuple(fields)

    def close(self) -> None:
        self._pending = []
        self._file.close()

    def __enter__(self) -> ParsedRows:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
