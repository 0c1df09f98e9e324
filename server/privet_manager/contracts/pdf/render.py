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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from privet_manager.contracts.pdf.document import ContractDocument, EvidenceDocument
from privet_manager.contracts.pdf.template import load_template

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"

# Registered once at import: paragraphs resolve their font when they are created.
pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=13, leading=17, spaceAfter=6),
    "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8),
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
    widths = [8 * mm, 30 * mm, 62 * mm, 40 * mm, 30 * mm]
    return Table(rows, colWidths=widths, style=TABLE_STYLE, repeatRows=1)


def _tariff_table(doc: ContractDocument) -> Table:
    rows: list[list[object]] = [["Позиция", "Сумма"]]
    rows += [[_p(line.label, "cell"), line.amount] for line in doc.lines]
    rows.append([_p("Итого", "cell"), doc.total])
    return Table(rows, colWidths=[140 * mm, 30 * mm], style=TABLE_STYLE, repeatRows=1)


def _signatures(doc: ContractDocument) -> Table:
    rows = [
        [_p("Исполнитель", "cell"), _p("Клиент", "cell")],
        [_p(doc.company_name, "cell"), _p(doc.client_name, "cell")],
        [
            _p("Уполномоченный представитель _______________", "cell"),
            _p("Подписано простой электронной подписью (код из чата поддержки)", "cell"),
        ],
    ]
    return Table(rows, colWidths=[85 * mm, 85 * mm], style=TableStyle([]))


def contract_flowables(doc: ContractDocument) -> list[Flowable]:
    text = load_template().render(doc=doc)
    blocks = {
        "[[devices]]": lambda: _devices_table(doc),
        "[[tariff]]": lambda: _tariff_table(doc),
        "[[signatures]]": lambda: KeepTogether([_signatures(doc)]),
    }
    story: list[Flowable] = []
    for raw in text.split("\n\n"):
        block = raw.strip()
        if not block:
            continue
        if block in blocks:
            story += [Spacer(1, 2 * mm), blocks[block](), Spacer(1, 2 * mm)]
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


def evidence_flowables(ev: EvidenceDocument) -> list[Flowable]:
    rows = [
        ["Договор", ev.number],
        ["Клиент", ev.client_name],
        ["Подписано (ПЭП)", ev.signed_at],
        ["Мастер", ev.manager],
        ["SHA-256 подписанного документа", ev.pdf_sha256],
        ["Соглашение о ПЭП", ev.pep],
        ["Согласие с соглашением", ev.pep_agreed_at],
        ["IP-адрес", ev.signer_ip],
        ["Программа (User-Agent)", ev.signer_user_agent],
        ["Код направлен", ev.ticket],
        ["SHA-256 фотографий устройств", "\n".join(ev.photo_hashes) or "—"],
    ]
    table = Table(
        [[_p(k, "cell"), _p(v, "small")] for k, v in rows],
        colWidths=[50 * mm, 120 * mm],
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )
    return [
        _p("Лист подписания простой электронной подписью", "title"),
        _p(
            "Документ на предыдущих страницах подписан простой электронной подписью Клиента: "
            "одноразовым кодом, направленным в чат поддержки приложения «Привет Супер».",
        ),
        Spacer(1, 3 * mm),
        table,
    ]


def append_evidence(pdf: bytes, ev: EvidenceDocument) -> bytes:
    """The signed copy: the exact pages the client was shown, plus the evidence page."""
    page = _build(evidence_flowables(ev), f"Лист подписания {ev.number}")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for p in PdfReader(io.BytesIO(page)).pages:
        writer.add_page(p)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
