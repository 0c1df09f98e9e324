"""reportlab renderers: pure functions of the view-models, deterministic output.

`invariant=1` fixes the document id and creation date, so the same view-model always gives
the same bytes (and the same SHA-256). Rendering is CPU work: callers run it in a thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from privet_manager.signing.pdf.document import ContractDocument, EvidenceDocument
from privet_manager.signing.pdf.template import load_template

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"

# Registered once at import: paragraphs resolve their font when they are created.
pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=13, leading=17, spaceAfter=6),
    "h2": ParagraphStyle(
        "h2", fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, keepWithNext=1
    ),
    "body": ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=13, spaceAfter=4),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8.5, leading=11),
    "small": ParagraphStyle("small", fontName=REGULAR, fontSize=7.5, leading=10),
}
TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _devices_table(doc: ContractDocument) -> Table:
    rows: list[list[object]] = [["№", "Вид", "Устройство", "Серийный номер", "Стоимость"]]
    for d in doc.devices:
        rows.append(
            [
                str(d.n),
                _p(d.kind, "cell"),
                _p(d.title, "cell"),
                _p(d.serial_number, "cell"),
                d.declared_value,
            ]
        )
    widths = [8 * mm, 28 * mm, 60 * mm, 40 * mm, 29 * mm]
    return Table(rows, colWidths=widths, style=TABLE_STYLE, repeatRows=1)


def _tariff_table(doc: ContractDocument) -> Table:
    rows: list[list[object]] = [["Позиция", "Сумма"]]
    rows += [[_p(line.label, "cell"), line.amount] for line in doc.lines]
    rows.append([_p("Итого", "cell"), doc.total])
    return Table(rows, colWidths=[135 * mm, 30 * mm], style=TABLE_STYLE, repeatRows=1)


def _signatures(doc: ContractDocument) -> Table:
    rows = [
        [_p("Исполнитель", "cell"), _p("Клиент", "cell")],
        [_p(doc.company_name, "cell"), _p(doc.client_name, "cell")],
        [
            _p("Уполномоченный представитель _______________", "cell"),
            _p("Подписано простой электронной подписью (код из чата поддержки)", "cell"),
        ],
    ]
    return Table(rows, colWidths=[82 * mm, 82 * mm], style=TableStyle([]))


def contract_flowables(doc: ContractDocument) -> list[Flowable]:
    text = load_template().render(doc=doc)
    blocks = {
        "[[devices]]": lambda: _devices_table(doc),
        "[[tariff]]": lambda: _tariff_table(doc),
        "[[signatures]]": lambda: _signatures(doc),
    }
    story: list[Flowable] = []
    for raw in text.split("\n\n"):
        block = raw.strip()
        if not block:
            continue
        if block in blocks:
            group: list[Flowable] = [Spacer(1, 2 * mm), blocks[block]()]
            if story and getattr(story[-1], "style", None) is STYLES["h2"]:
                group.insert(0, story.pop())  # a heading stays with its table
            story += [KeepTogether(group), Spacer(1, 2 * mm)]
        elif block.startswith("## "):
            story.append(_p(block[3:].strip(), "h2"))
        elif block.startswith("# "):
            story.append(_p(block[2:].strip(), "title"))
        else:
            story.append(_p(" ".join(block.split()), "body"))
    return story


def _build(story: list[Flowable], title: str) -> bytes:
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Privet Manager",
        invariant=1,
    )
    pdf.build(story)
    return buf.getvalue()


def render_contract(doc: ContractDocument) -> bytes:
    """The contract PDF (A4, DejaVu Sans embedded)."""
    return _build(contract_flowables(doc), f"Договор {doc.number}")


def evidence_page(ev: EvidenceDocument) -> bytes:
    """The evidence page, drawn straight on a canvas with one font: it sits on the signing
    path, where platypus layout and a second embedded font subset would cost most of the
    request's time."""
    rows = [
        ("Договор", ev.number),
        ("Клиент", ev.client_name),
        ("Подписано (ПЭП)", ev.signed_at),
        ("Мастер", ev.manager),
        ("SHA-256 подписанного документа", ev.pdf_sha256),
        ("Соглашение о ПЭП", ev.pep),
        ("Согласие с соглашением", ev.pep_agreed_at),
        ("IP-адрес", ev.signer_ip),
        ("Программа (User-Agent)", ev.signer_user_agent),
        ("Код направлен", ev.ticket),
        ("SHA-256 фотографий устройств", " ".join(ev.photo_hashes) or "—"),
    ]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"Лист подписания {ev.number}")
    c.setAuthor("Privet Manager")
    left, value_x, width = 20 * mm, 72 * mm, 118 * mm
    y = A4[1] - 22 * mm
    c.setFont(REGULAR, 13)
    c.drawString(left, y, "Лист подписания простой электронной подписью")
    y -= 8 * mm
    c.setFont(REGULAR, 9)
    for line in simpleSplit(
        "Документ на предыдущих страницах подписан простой электронной подписью Клиента: "
        "одноразовым кодом, направленным в чат поддержки приложения «Привет Супер».",
        REGULAR,
        9,
        170 * mm,
    ):
        c.drawString(left, y, line)
        y -= 4.6 * mm
    y -= 4 * mm
    for label, value in rows:
        top = y
        c.setFont(REGULAR, 8.5)
        for line in simpleSplit(label, REGULAR, 8.5, value_x - left - 4 * mm):
            c.drawString(left, y, line)
            y -= 4.2 * mm
        y_label = y
        y = top
        for line in simpleSplit(value, REGULAR, 8, width) or ["—"]:
            c.drawString(value_x, y, line)
            y -= 4.2 * mm
        y = min(y, y_label) - 1.5 * mm
        c.setStrokeColor(colors.lightgrey)
        c.line(left, y + 3 * mm, left + 170 * mm, y + 3 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def append_evidence(pdf: bytes, ev: EvidenceDocument) -> bytes:
    """The signed copy: the exact pages the client was shown, plus the evidence page."""
    page = evidence_page(ev)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for p in PdfReader(io.BytesIO(page)).pages:
        writer.add_page(p)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
