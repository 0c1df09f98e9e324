"""The seal's visible stamp: a small box drawn with reportlab (an embedded Cyrillic font; the
PDF standard fonts pyHanko draws text with have no Cyrillic), used as the signature widget's
appearance."""

from __future__ import annotations

import binascii
import io
import uuid
from dataclasses import dataclass

from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from privet_manager.kit.fonts import REGULAR_TTF

FONT = "DejaVuSans"
if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(TTFont(FONT, str(REGULAR_TTF)))

WIDTH, HEIGHT = 92 * mm, 24 * mm
INK = (0.08, 0.25, 0.55)


@dataclass(frozen=True)
class SealStamp:
    """What the visible stamp names."""

    company: str
    number: str
    # As the contract prints it, e.g. «01.12.2026 20:15:03 (МСК)».
    signed_at_moscow: str


def stamp_lines(stamp: SealStamp) -> list[str]:
    return [
        "Электронная печать (PAdES)",
        stamp.company,
        f"Договор № {stamp.number}",
        f"Подписан: {stamp.signed_at_moscow}",
    ]


def render_stamp(stamp: SealStamp) -> bytes:
    """A one-page PDF of exactly the stamp's size."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(WIDTH, HEIGHT), invariant=1)
    c.setStrokeColorRGB(*INK)
    c.setFillColorRGB(*INK)
    c.setLineWidth(1.2)
    c.roundRect(1, 1, WIDTH - 2, HEIGHT - 2, 4)
    y = HEIGHT - 5.2 * mm
    for n, line in enumerate(stamp_lines(stamp)):
        size = 8.5 if n == 0 else 7.5
        c.setFont(FONT, size)
        # A long company name is cut to the box rather than overflowing it.
        c.drawString(3 * mm, y, (simpleSplit(line, FONT, size, WIDTH - 6 * mm) or [""])[0])
        y -= 4.4 * mm
    c.showPage()
    c.save()
    return buf.getvalue()


class StampPage(PdfContent):
    """A PDF page (in memory) imported as the appearance's content, as pyHanko's own
    `ImportedPdfPage` does from a file."""

    def __init__(self, page_pdf: bytes) -> None:
        self.page_pdf = page_pdf
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.page_pdf)), page_ix=0)
        name = "/Import" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"
