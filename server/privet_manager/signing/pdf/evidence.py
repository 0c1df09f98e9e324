"""The signed copy: the PDF the client was shown, byte for byte, plus the signing sheet.

The sheet is drawn straight on a canvas with one font: it sits on the signing path, where
platypus layout and a second embedded font subset would cost most of the request's time.
"""

from __future__ import annotations

import io
import time

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from privet_manager.signing.pdf.document import EvidenceDocument, plural
from privet_manager.signing.pdf.qr import draw_verification
from privet_manager.signing.pdf.render import REGULAR, timestamp


def evidence_page(ev: EvidenceDocument, original_pages: int) -> bytes:
    """The evidence page, drawn straight on a canvas with one font: it sits on the signing
    path, where platypus layout and a second embedded font subset would cost most of the
    request's time."""
    rows = [
        ("Договор", ev.number),
        ("Клиент", ev.client_name),
        ("Подписано (ПЭП)", ev.signed_at),
        ("Учётная запись клиента", ev.account),
        ("Код направлен", ev.code_sent_at),
        ("Канал", ev.ticket),
        ("Мастер", ev.manager),
        ("SHA-256 подписанного документа", ev.pdf_sha256),
        ("Соглашение о ПЭП", ev.pep),
        ("Согласие с соглашением", ev.pep_agreed_at),
        ("IP-адрес", ev.signer_ip),
        ("Программа (User-Agent)", ev.signer_user_agent),
        ("SHA-256 фотографий техники", " ".join(ev.photo_hashes) or "—"),
    ]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c._doc._timeStamp = timestamp(ev.signed_ts)
    c.setTitle(f"Лист подписания {ev.number}")
    c.setAuthor("Privet Manager")
    left, value_x, width = 20 * mm, 72 * mm, 118 * mm
    y = A4[1] - 22 * mm
    c.setFont(REGULAR, 13)
    c.drawString(left, y, "Лист подписания простой электронной подписью")
    y -= 8 * mm
    c.setFont(REGULAR, 9)
    for line in simpleSplit(
        f"Договор № {ev.number} на предыдущих страницах подписан Клиентом простой электронной "
        "подписью: одноразовым кодом, направленным в чат поддержки мобильного приложения "
        "«Привет Супер» на учётную запись Клиента и введённым по его сообщению. Страницы "
        "договора не изменялись: их контрольная сумма указана ниже.",
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
        c.setFont(REGULAR, 7.5)
        for line in simpleSplit(value, REGULAR, 7.5, width) or ["—"]:
            c.drawString(value_x, y, line)
            y -= 4.2 * mm
        y = min(y, y_label) - 1.5 * mm
        c.setStrokeColor(colors.lightgrey)
        c.line(left, y + 3 * mm, left + 170 * mm, y + 3 * mm)
    c.setFont(REGULAR, 7.5)
    c.setFillColor(colors.HexColor("#555555"))
    pages = plural(original_pages, "страницы", "страниц", "страниц")
    footer = f"Лист подписания к договору № {ev.number} из {original_pages} {pages}"
    if ev.verify_url:
        c.drawString(left, 10 * mm, footer)
        draw_verification(c, ev.verify_url, REGULAR, ev.verify_qr_mask)
    else:
        c.drawCentredString(A4[0] / 2, 10 * mm, footer)
    c.showPage()
    c.save()
    return buf.getvalue()


def append_evidence(pdf: bytes, ev: EvidenceDocument) -> bytes:
    """The signed copy: the signing sheet appended to the PDF the client was shown as an
    incremental update, so the original's bytes are the copy's exact prefix (and hash to the
    recorded SHA-256), and only the new objects are written."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    page = evidence_page(ev, len(writer.pages))
    for p in PdfReader(io.BytesIO(page)).pages:
        writer.add_page(p)
    stamp = time.strftime("D:%Y%m%d%H%M%S+00'00'", time.gmtime(int(ev.signed_ts)))
    writer.add_metadata({"/ModDate": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
