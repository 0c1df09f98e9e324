"""The contract a lawyer reads: what the generated, the draft and the signed PDF say, read
back with pypdf, and every page rendered with pdftoppm under test-output/ to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from privet_manager.contracts.models import Contract
from privet_manager.kit.storage import get_storage
from privet_manager.settings import get_settings
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.contracts.helpers import API, apply_and_generate, apply_tariff, read_code, ready_client

PAGES = Path(__file__).resolve().parents[2] / "test-output" / "contracts"


def pages_text(pdf: bytes) -> list[str]:
    # NBSP (thousands, before «руб.») read as a plain space.
    return [p.extract_text().replace("\u00a0", " ") for p in PdfReader(io.BytesIO(pdf)).pages]


def screenshots(pdf: bytes, name: str) -> list[Path]:
    """Every page as a PNG (pdftoppm), for a person to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed for the page images")
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob(f"{name}-*.png"):
        old.unlink()
    source = PAGES / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(source), str(PAGES / name)], check=True)
    return sorted(PAGES.glob(f"{name}-*.png"))


async def test_the_generated_contract_holds_what_a_lawyer_looks_for(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id, tariff="family")
    row = await session.scalar(select(Contract).where(Contract.id == contract["id"]))
    assert row is not None
    pdf = await get_storage().get(row.pdf_key)
    texts = pages_text(pdf)
    text = "\n".join(texts)
    flat = " ".join(text.split())
    settings = get_settings()
    number = contract["number"]

    total = len(texts)
    assert total >= 4
    for n, page in enumerate(texts, start=1):
        assert f"Договор № {number} · страница {n} из {total}" in page, n
    # The parties: the company's details and signatory, the place from settings.
    for item in (
        f"ИНН {settings.company_inn}",
        f"КПП {settings.company_kpp}",
        f"ОГРН {settings.company_ogrn}",
        settings.company_bank_account,
        f"БИК {settings.company_bank_bik}",
        f"{settings.company_signatory_position} {settings.company_signatory_name} "
        f"на основании {settings.company_signatory_authority}",
        f"{settings.contract_place}, «",
    ):
        assert item in flat, item
    # The term from the tariff's period, the price in figures and in words.
    assert "действует 12 (двенадцать) месяцев" in flat
    surcharge = row.snapshot["tariff"]["surcharge"]
    assert surcharge == "990.00"  # family: the base price covers both devices
    assert (
        "доплата по Договору составляет 990,00 руб. (девятьсот девяносто рублей 00 копеек)" in flat
    )
    # The devices with their condition, the personal-data consent, the PEP clause.
    assert "исправно" in flat
    assert "152-ФЗ «О персональных данных»" in flat and "паспорта" in flat
    assert "63-ФЗ «Об электронной подписи»" in flat
    assert f"идентификатор учётной записи {ready.user_id}" in flat
    # The phone as people write it (stored as +79161234567).
    assert "телефон +7 916 123-45-67" in flat and "+79161234567" not in flat
    assert "будет подписан Клиентом простой электронной подписью" in flat
    assert "Проект" not in text
    # The photos appendix: each photo's hash, as fixed in the snapshot.
    assert "Фотографии техники" in flat
    assert row.snapshot["photos"]
    for photo in row.snapshot["photos"]:
        assert photo["sha256"] in text and photo["file"] in text
    # The PEP agreement text itself, as formatted text.
    assert "Соглашение об использовании простой электронной подписи" in flat
    assert "Код является ключом простой электронной подписи" in flat
    # Metadata: the real creation time, the contract's own.
    created = PdfReader(io.BytesIO(pdf)).metadata.creation_date  # type: ignore[union-attr]
    assert created is not None
    generated = datetime.fromisoformat(row.snapshot["generated_at"])
    assert abs((created - generated).total_seconds()) < 1
    assert len(screenshots(pdf, "generated")) == total

    # The signed copy: the same pages, then the signing sheet.
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    await session.refresh(row)
    signed = await get_storage().get(row.signed_pdf_key or "")
    assert signed.startswith(pdf)  # the original's bytes, then the signing sheet
    signed_texts = pages_text(signed)
    assert signed_texts[:total] == texts
    sheet = " ".join(signed_texts[-1].split())
    assert "подписан Клиентом простой электронной подписью" in sheet
    assert f"пользователь № {ready.user_id}" in sheet and "+7 916 123-45-67" in sheet
    assert "Код направлен" in sheet
    assert f"Лист подписания к договору № {number} из {total} страниц" in sheet
    assert len(screenshots(signed, "signed")) == total + 1


async def test_the_draft_says_project_and_stores_nothing(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_tariff(client, headers, ready.client_id)
    before = await get_storage().list_keys("contracts/")
    r = await client.get(f"{API}/clients/{ready.client_id}/contract/preview", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    texts = pages_text(r.content)
    for n, page in enumerate(texts, start=1):
        assert f"Проект договора · страница {n} из {len(texts)}" in page
        assert "ПРОЕКТ" in page
    assert not re.search(r"PM-\d{4}-\d{6}", "\n".join(texts))  # no number
    assert "780,00 руб." in " ".join("\n".join(texts).split())
    # Nothing numbered, stored or sent.
    assert await session.scalar(select(func.count()).select_from(Contract)) == 0
    assert await get_storage().list_keys("contracts/") == before
    card = (await client.get(f"{API}/clients/{ready.client_id}", headers=headers)).json()
    assert card["status"] == "in_progress" and card["contract"] is None
    with pytest.raises(AssertionError):
        await read_code(client, ready.user_id)
    assert screenshots(r.content, "draft")
    # Generation afterwards takes the first number.
    contract = await apply_and_generate(client, headers, ready.client_id)
    assert contract["number"].endswith("-000001")


async def test_the_draft_answers_like_generation_when_a_step_is_missing(
    client, headers, manager, clean_db
) -> None:
    ready = await ready_client(clean_db, manager)  # no tariff applied
    r = await client.get(f"{API}/clients/{ready.client_id}/contract/preview", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "steps_incomplete"
