"""reportlab renderers: pure functions of the view-models, deterministic output.

`invariant=1` fixes the document id; the creation time in the metadata is the contract's own
(its generation, or for the signing sheet its signing), so the same view-model always gives
the same bytes (and the same SHA-256). Every page carries «Договор № … · страница N из M»
(a draft: «Проект договора …» and a «Проект» mark). Rendering is CPU work: callers run it
in a thread.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from privet_manager.kit.fonts import BOLD_TTF, REGULAR_TTF
from privet_manager.signing.pdf.document import ContractDocument, TextBlock
from privet_manager.signing.pdf.qr import draw_verification
from privet_manager.signing.pdf.template import load_template

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"

# Registered once at import: paragraphs resolve their font when they are created.
pdfmetrics.registerFont(TTFont(REGULAR, str(REGULAR_TTF)))
pdfmetrics.registerFont(TTFont(BOLD, str(BOLD_TTF)))
pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


STYLES = {
    "title": ParagraphStyle(
        "title", fontName=BOLD, fontSize=12.5, leading=16, spaceAfter=6, alignment=1
    ),
    "place": ParagraphStyle("place", fontName=REGULAR, fontSize=9.5, leading=13, spaceAfter=6),
    "h2": ParagraphStyle(
        "h2", fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3, keepWithNext=1
    ),
    "h3": ParagraphStyle(
        "h3", fontName=BOLD, fontSize=9.5, leading=13, spaceBefore=4, spaceAfter=3, keepWithNext=1
    ),
    "body": ParagraphStyle(
        "body", fontName=REGULAR, fontSize=9, leading=12.4, spaceAfter=3.5, alignment=4
    ),
    "body_left": ParagraphStyle(
        "body_left", fontName=REGULAR, fontSize=9, leading=12.4, spaceAfter=3.5
    ),
    "item": ParagraphStyle(
        "item",
        fontName=REGULAR,
        fontSize=9,
        leading=12.4,
        spaceAfter=3,
        leftIndent=5 * mm,
        firstLineIndent=-5 * mm,
        alignment=4,
    ),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8, leading=10),
    "cell_bold": ParagraphStyle("cell_bold", fontName=BOLD, fontSize=8, leading=10),
    "hash": ParagraphStyle("hash", fontName=REGULAR, fontSize=6.4, leading=9),
}
TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
    ]
)
PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
    ]
)
WIDTH = 170 * mm


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _lines(*parts: str, style: str = "cell", bold_first: bool = False) -> Paragraph:
    lines = [escape(p) for p in parts]
    if bold_first and lines:
        lines[0] = f"<b>{lines[0]}</b>"
    return Paragraph("<br/>".join(lines), STYLES[style])


_HASH = re.compile(r"[0-9a-f]{40,}")
# Template line breaks and indentation, not the no-break spaces of a sum («1 386,00 руб.»).
_BREAKS = re.compile(r"[ \t\r\n]+")


def _unwrap(block: str) -> str:
    return _BREAKS.sub(" ", block).strip()


def _body(text: str) -> Paragraph:
    """A paragraph, justified unless it holds a hash (one long word would stretch the
    spaces of its line)."""
    return _p(text, "body_left" if _HASH.search(text) else "body")


def _devices_table(doc: ContractDocument) -> Table:
    rows: list[list[object]] = [
        [_p(h, "cell_bold") for h in ("№", "Вид", "Устройство", "Серийный номер", "Состояние")]
        + [_p("Стоимость", "cell_bold")]
    ]
    for d in doc.devices:
        rows.append(
            [
                str(d.n),
                _p(d.kind, "cell"),
                _p(d.title, "cell"),
                _p(d.serial_number, "cell"),
                _p(d.condition, "cell"),
                d.declared_value,
            ]
        )
    widths = [8 * mm, 24 * mm, 44 * mm, 32 * mm, 36 * mm, 26 * mm]
    return Table(rows, colWidths=widths, style=TABLE_STYLE, repeatRows=1)


def _tariff_table(doc: ContractDocument) -> Table:
    rows: list[list[object]] = [["Позиция", "Сумма"]]
    rows += [[_p(line.label, "cell"), line.amount] for line in doc.lines]
    rows.append([_p("Итого", "cell_bold"), doc.total])
    return Table(rows, colWidths=[138 * mm, 32 * mm], style=TABLE_STYLE, repeatRows=1)


def _photos_table(doc: ContractDocument) -> Flowable:
    if not doc.photos:
        return _p("Фотографии Техники при приёме не сделаны.")
    rows: list[list[object]] = [["№", "Устройство, файл", "Контрольная сумма SHA-256"]]
    for ph in doc.photos:
        device = Paragraph(
            f'{escape(ph.device)}<br/><font size="6.4">{escape(ph.file)}</font>', STYLES["cell"]
        )
        rows.append([str(ph.n), device, _p(ph.sha256, "hash")])
    style = TableStyle([*TABLE_STYLE.getCommands(), ("ALIGN", (-1, 1), (-1, -1), "LEFT")])
    return Table(rows, colWidths=[8 * mm, 62 * mm, 100 * mm], style=style, repeatRows=1)


def _parties(doc: ContractDocument) -> Table:
    company = _lines(
        "Исполнитель",
        doc.company_name,
        f"ОГРН {doc.company_ogrn}",
        f"ИНН {doc.company_inn}, КПП {doc.company_kpp}",
        f"Адрес: {doc.company_address}",
        f"Р/с {doc.company_account}",
        f"в {doc.company_bank}",
        f"К/с {doc.company_corr_account}, БИК {doc.company_bik}",
        f"Эл. почта: {doc.company_email}",
        bold_first=True,
    )
    client = _lines(
        "Клиент",
        doc.client_name,
        f"Дата рождения: {doc.birth_date}, место рождения: {doc.birth_place}",
        f"Паспорт: серия {doc.passport_series} № {doc.passport_number}, "
        f"выдан {doc.passport_issued_by} {doc.passport_issue_date}, "
        f"код подразделения {doc.passport_department_code}",
        f"Адрес регистрации: {doc.client_address}",
        f"Телефон: {doc.client_phone}",
        f"Эл. почта: {doc.client_email}",
        f"Учётная запись в приложении «Привет Супер»: {doc.client_user_id}",
        bold_first=True,
    )
    return Table([[company, client]], colWidths=[85 * mm, 85 * mm], style=PLAIN)


def _signatures(doc: ContractDocument) -> Table:
    company = _lines(
        "От Исполнителя:",
        f"{doc.signatory_position[:1].upper()}{doc.signatory_position[1:]}",
        "",
        f"_______________ / {doc.signatory_name} /",
        bold_first=True,
    )
    client = _lines(
        "Клиент:",
        doc.client_name,
        "",
        "Договор будет подписан Клиентом простой электронной подписью — одноразовым кодом "
        "из чата поддержки (раздел 10); сведения о подписании приводятся на листе подписания.",
        bold_first=True,
    )
    return Table([[company, client]], colWidths=[85 * mm, 85 * mm], style=PLAIN, spaceBefore=4 * mm)


def _pep(doc: ContractDocument) -> list[Flowable]:
    out: list[Flowable] = []
    for block in doc.pep_text:
        out.append(_pep_block(block))
    return out


def _pep_block(block: TextBlock) -> Flowable:
    if block.kind == "heading":
        return _p(block.text, "h3")
    if block.kind == "item":
        return _p(f"{block.number}.\u00a0{block.text}", "item")
    return _body(block.text)


def contract_flowables(doc: ContractDocument) -> list[Flowable]:
    text = load_template().render(doc=doc)
    blocks: dict[str, Callable[[], Flowable]] = {
        "[[devices]]": lambda: _devices_table(doc),
        "[[tariff]]": lambda: _tariff_table(doc),
        "[[photos]]": lambda: _photos_table(doc),
        "[[parties]]": lambda: _parties(doc),
        "[[signatures]]": lambda: _signatures(doc),
    }
    story: list[Flowable] = []
    first_paragraph = True
    for raw in text.split("\n\n"):
        block = raw.strip()
        if not block:
            continue
        if block == "[[page-break]]":
            story.append(PageBreak())
        elif block == "[[pep]]":
            story += _pep(doc)
        elif block in blocks:
            group: list[Flowable] = [Spacer(1, 1.5 * mm), blocks[block]()]
            if story and getattr(story[-1], "style", None) is STYLES["h2"]:
                group.insert(0, story.pop())  # a heading stays with its table
            story += [KeepTogether(group), Spacer(1, 2 * mm)]
        elif block.startswith("## "):
            story.append(_p(block[3:].strip(), "h2"))
        elif block.startswith("# "):
            story.append(_p(block[2:].strip(), "title"))
        elif first_paragraph:
            story.append(_p(_unwrap(block), "place"))
            first_paragraph = False
        else:
            story.append(_body(_unwrap(block)))
    return story


def timestamp(seconds: float) -> TimeStamp:
    """reportlab's timestamp object set to a given moment (UTC), for the metadata's
    CreationDate/ModDate: reportlab offers only "now" or a fixed 2000-01-01."""
    stamp = TimeStamp(invariant=1)
    lt = time.gmtime(int(seconds))
    stamp.t, stamp.lt, stamp.YMDhms = int(seconds), lt, tuple(lt)[:6]
    return stamp


def _numbered_canvas(
    footer: str, draft: bool, created_ts: float, verify_url: str = "", qr_mask: int | None = None
) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each can say «из M»; with a
    verification URL, each page carries its QR code (signing/pdf/qr.py)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = timestamp(created_ts)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            n = self.getPageNumber()
            self.saveState()
            self.setFont(REGULAR, 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            line = f"{footer} · страница {n} из {total}"
            if verify_url:
                self.drawString(20 * mm, 10 * mm, line)
                draw_verification(self, verify_url, REGULAR, qr_mask)
            else:
                self.drawCentredString(A4[0] / 2, 10 * mm, line)
            if draft:
                self.setFont(BOLD, 9)
                self.setFillColor(colors.HexColor("#B00020"))
                self.drawCentredString(
                    A4[0] / 2,
                    A4[1] - 11 * mm,
                    "ПРОЕКТ — не подписан, номер присваивается при формировании договора",
                )
                self.setFillColor(colors.HexColor("#B00020"), alpha=0.08)
                self.setFont(BOLD, 110)
                self.translate(A4[0] / 2, A4[1] / 2)
                self.rotate(45)
                self.drawCentredString(0, -35, "Проект")
            self.restoreState()

    return NumberedCanvas


def _build(
    story: list[Flowable],
    title: str,
    footer: str,
    *,
    draft: bool,
    created_ts: float,
    verify_url: str = "",
    qr_mask: int | None = None,
) -> bytes:
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Privet Manager",
        creator="Privet Manager",
        invariant=1,
    )
    pdf.build(story, canvasmaker=_numbered_canvas(footer, draft, created_ts, verify_url, qr_mask))
    return buf.getvalue()


def render_contract(doc: ContractDocument) -> bytes:
    """The contract PDF (A4, DejaVu Sans embedded); a draft says «Проект» on every page, a
    numbered contract carries the QR code of its public verification page on every page."""
    title = "Проект договора" if doc.draft else f"Договор {doc.number}"
    return _build(
        contract_flowables(doc),
        title,
        doc.footer,
        draft=doc.draft,
        created_ts=doc.created_ts,
        verify_url="" if doc.draft else doc.verify_url,
        qr_mask=doc.verify_qr_mask,
    )
