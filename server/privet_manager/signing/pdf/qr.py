"""The verification mark on every page of a numbered contract and of its signing sheet: a QR
code with `{PUBLIC_BASE_URL}/verify/{number}` in the bottom right corner, and the same URL in
text beside it (for a reader without a camera).

The modules come from reportlab's own QR encoder and are drawn as one filled path, built once
per code (no widget, no drawing objects): cheap on the generation path and the same bytes
every time.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

SIZE = 15 * mm
# The code's right edge on the text's right margin, its bottom in the page's bottom margin.
RIGHT = A4[0] - 20 * mm
BOTTOM = 2.5 * mm
# The quiet zone the standard asks for (4 modules) is left white around it.
QUIET = 4
# Text to the left of the code, with a gap wider than the quiet zone.
TEXT_RIGHT = RIGHT - SIZE - 3 * mm
# Left of this the page footer stands (drawn from the left margin when the mark is there).
TEXT_LEFT_LIMIT = 95 * mm
LABEL = "Проверить подлинность:"
FONT_SIZE = 6.5


def _symbol(url: str) -> qrencoder.QRCode:
    """The QR code for `url` before its mask is chosen (error correction M: a worn print still
    reads)."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(url)
    qr.version = qr.calculate_version()
    return qr


@lru_cache(maxsize=64)
def best_mask(url: str) -> int:
    """The mask pattern the standard's penalty rules prefer for `url`. Trying all eight is
    most of the encoder's time (tens of milliseconds in pure Python, against about one for a
    given mask), so generation chooses it once, off the event loop, and the snapshot keeps it
    for the pages and the signing sheet."""
    return int(_symbol(url).getBestMaskPattern())


@lru_cache(maxsize=64)
def modules(url: str, mask: int | None = None) -> tuple[tuple[bool, ...], ...]:
    """The QR matrix for `url` with `mask` (None: the best one, chosen now)."""
    qr = _symbol(url)
    qr.makeImpl(False, best_mask(url) if mask is None else mask)
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


@lru_cache(maxsize=64)
def _path(url: str, mask: int | None) -> PDFPathObject:
    """The dark modules as one path of rectangles, built once per code: every page of a
    contract draws the same one (a path's code is only read when drawn)."""
    matrix = modules(url, mask)
    count = len(matrix)
    box = SIZE / (count + 2 * QUIET)
    left, top = RIGHT - SIZE + QUIET * box, BOTTOM + SIZE - QUIET * box
    path = PDFPathObject()
    for r, row in enumerate(matrix):
        col = 0
        while col < count:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < count and row[col]:
                col += 1
            path.rect(left + start * box, top - (r + 1) * box, (col - start) * box, box)
    return path


def draw_verification(c: Canvas, url: str, font: str, mask: int | None = None) -> None:
    """The QR code and the URL beside it, in the bottom right corner of the current page."""
    c.saveState()
    c.setFillColor(colors.black)
    c.drawPath(_path(url, mask), stroke=0, fill=1)
    c.setFillColor(colors.HexColor("#555555"))
    width = TEXT_RIGHT - TEXT_LEFT_LIMIT
    size = min(FONT_SIZE, FONT_SIZE * width / max(stringWidth(url, font, FONT_SIZE), 1))
    c.setFont(font, FONT_SIZE)
    c.drawRightString(TEXT_RIGHT, BOTTOM + SIZE / 2 + 1 * mm, LABEL)
    c.setFont(font, size)
    c.drawRightString(TEXT_RIGHT, BOTTOM + SIZE / 2 - 2.5 * mm, url)
    c.restoreState()
