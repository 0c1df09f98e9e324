"""The QR code on every page of the numbered contract and of its signing sheet decodes
(zbarimg, from a page pdftoppm rendered) to the contract's public verification URL; the
draft carries none."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from privet_manager.contracts.models import Contract
from privet_manager.kit.storage import get_storage
from privet_manager.settings import get_settings
from pypdf import PdfReader
from sqlalchemy import select

from tests.contracts.helpers import API, apply_and_generate, apply_tariff, ready_client, sign

PAGES = Path(__file__).resolve().parents[2] / "test-output" / "qr"


def decode_pages(pdf: bytes, name: str) -> list[list[str]]:
    """The QR codes zbarimg reads on each page, rendered at 150 dpi (an ordinary scan)."""
    for tool, package in (("pdftoppm", "poppler-utils"), ("zbarimg", "zbar-tools")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} ({package}) is needed: make test installs it")
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob(f"{name}-*.png"):
        old.unlink()
    source = PAGES / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(PAGES / name)], check=True)
    found = []
    for image in sorted(PAGES.glob(f"{name}-*.png")):
        # Exit status 4: no code on the image.
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )
        assert out.returncode in (0, 4), out.stderr
        found.append(out.stdout.split())
    return found


async def test_every_page_carries_the_verification_qr_code(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    number = contract["number"]
    url = f"{get_settings().public_base_url.rstrip('/')}/verify/{number}"
    row = await session.scalar(select(Contract).where(Contract.id == contract["id"]))
    assert row is not None
    # The snapshot fixes the URL and the code's mask pattern (the pages re-render from it).
    assert row.snapshot["verify_url"] == url
    assert row.snapshot["verify_qr_mask"] in range(8)
    original = await get_storage().get(row.pdf_key)

    pages = decode_pages(original, "original")
    assert len(pages) == len(PdfReader(io.BytesIO(original)).pages) >= 4
    assert pages == [[url]] * len(pages)
    # The URL in text beside it, for a reader without a camera.
    for page in PdfReader(io.BytesIO(original)).pages:
        assert url in page.extract_text()

    await sign(client, headers, ready)
    await session.refresh(row)
    signed = await get_storage().get(row.signed_pdf_key or "")
    assert signed.startswith(original)
    # The signing sheet too.
    assert decode_pages(signed, "signed") == [[url]] * (len(pages) + 1)


async def test_the_draft_has_no_qr_code(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_tariff(client, headers, ready.client_id)
    r = await client.get(f"{API}/clients/{ready.client_id}/contract/preview", headers=headers)
    assert r.status_code == 200, r.text
    pages = decode_pages(r.content, "draft")
    assert pages and all(codes == [] for codes in pages)
    assert all("/verify/" not in p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
