"""The seal package on its own (no database): sealing, the two independent checks (pdfsig
and pyHanko's validator), timestamps from a TSA in the test, the own CA made once."""

from __future__ import annotations

import io
import multiprocessing
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from privet_manager.seal import (
    SealStamp,
    SealUnavailable,
    add_document_timestamp,
    load_seal,
    reset_seal,
    validate,
)
from privet_manager.seal.keys import OWN_P12, own_seal
from privet_manager.settings import Settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from tests.seal.tsa import running_tsa, silent_tsa, write_root

STAMP = SealStamp("ООО «Привет Супер»", "2026-000123", "01.12.2026 20:15:03 (МСК)")


def sample_pdf(pages: int = 3) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    for n in range(pages):
        c.drawString(72, 800, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def pdfsig(pdf: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    if shutil.which("pdfsig") is None:
        pytest.fail("pdfsig (poppler-utils) is needed: make poppler")
    path = tmp_path / name
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return run.stdout + run.stderr


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    reset_seal()
    return Settings(privet_data_dir=tmp_path / "var")


def test_a_sealed_pdf_is_valid_for_pdfsig_and_pyhanko_and_one_byte_breaks_both(
    settings: Settings, tmp_path: Path
) -> None:
    seal = load_seal(settings)
    original = sample_pdf()
    sealed = seal.seal(original, stamp=STAMP)
    assert sealed.timestamped is False
    assert sealed.data.startswith(original)  # an incremental update: the original is a prefix

    report = pdfsig(sealed.data, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert "ETSI.CAdES.detached" in report

    check = validate(sealed.data, seal.trust_roots)
    assert (check.intact, check.covers_whole_file, check.trusted) == (True, True, True), check
    assert check.signer is not None and "Привет Супер" in check.signer

    # The visible stamp is on the last page, and names the company, number and time.
    last = PdfReader(io.BytesIO(sealed.data)).pages[-1]
    widgets = [a.get_object() for a in last.get("/Annots", [])]
    assert any(w.get("/FT") == "/Sig" for w in widgets)

    for offset in (10, len(original) // 2, len(original) + 50, len(sealed.data) - 10):
        broken = bytearray(sealed.data)
        broken[offset] ^= 0x01
        report = pdfsig(bytes(broken), tmp_path, "broken.pdf")
        assert "Signature is Valid." not in report, (offset, report)
        check = validate(bytes(broken), seal.trust_roots)
        assert not check.ok, (offset, check)


def test_an_own_seal_is_not_trusted_against_another_ca(settings: Settings, tmp_path: Path) -> None:
    seal = load_seal(settings)
    other = load_seal(settings.model_copy(update={"privet_data_dir": tmp_path / "other"}))
    sealed = seal.seal(sample_pdf(), stamp=STAMP)
    check = validate(sealed.data, other.trust_roots)
    assert check.intact and not check.trusted and not check.ok
    assert validate(b"not a pdf", seal.trust_roots).ok is False
    assert validate(sample_pdf(), seal.trust_roots).detail == "no seal in the file"
    assert validate(sealed.data, b"garbage").ok is False


def test_with_a_tsa_the_seal_is_timestamped_and_carries_validation_data(
    settings: Settings, tmp_path: Path
) -> None:
    with running_tsa() as tsa:
        seal = load_seal(
            settings.model_copy(update={"tsa_trust_roots_path": write_root(tsa, tmp_path)})
        )
        original = sample_pdf()
        sealed = seal.seal(original, stamp=STAMP, tsa_url=tsa.url)
    assert sealed.timestamped is True and tsa.requests
    assert sealed.data.startswith(original)
    check = validate(sealed.data, seal.trust_roots)
    assert check.ok and check.timestamped, check
    report = pdfsig(sealed.data, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report, report
    # B-LT: the validation data (DSS) in the signed revision itself.
    assert "/DSS" in PdfFileReader(io.BytesIO(sealed.data)).root


def test_a_silent_tsa_does_not_hold_the_seal_and_a_document_timestamp_follows(
    settings: Settings, tmp_path: Path
) -> None:
    seal = load_seal(settings.model_copy(update={"tsa_timeout_seconds": 1.0}))
    original = sample_pdf()
    with silent_tsa() as url:
        started = time.monotonic()
        sealed = seal.seal(original, stamp=STAMP, tsa_url=url)
        assert time.monotonic() - started < 5
    assert sealed.timestamped is False
    assert validate(sealed.data, seal.trust_roots).ok

    with running_tsa() as tsa:
        stamped = add_document_timestamp(sealed.data, tsa.url)
    assert stamped.startswith(sealed.data)
    check = validate(stamped, seal.trust_roots)
    assert check.ok and check.timestamped, check
    report = pdfsig(stamped, tmp_path)
    assert report.count("Signature #") == 2, report

    # Anything else appended after the seal is not covered.
    appended = stamped + b"\n% appended\n"
    assert not validate(appended, seal.trust_roots).covers_whole_file


def _make(folder: str) -> bytes:
    return own_seal(Path(folder), "ООО «Привет Супер»").cert.fingerprint(hashes.SHA256())


def test_the_own_seal_is_made_once_even_by_processes_starting_together(tmp_path: Path) -> None:
    folder = tmp_path / "seal"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        prints = pool.map(_make, [str(folder)] * 8)
    assert len(set(prints)) == 1
    assert (folder / OWN_P12).stat().st_mode & 0o077 == 0
    assert _make(str(folder)) == prints[0]  # reused on the next start


def test_production_refuses_a_missing_or_unreadable_seal(tmp_path: Path) -> None:
    reset_seal()
    with pytest.raises(SealUnavailable, match="SEAL_PKCS12_PATH"):
        load_seal(Settings(environment="production", privet_data_dir=tmp_path))
    (tmp_path / "bad.p12").write_bytes(b"not pkcs12")
    for path in (tmp_path / "missing.p12", tmp_path / "bad.p12"):
        with pytest.raises(SealUnavailable):
            load_seal(Settings(environment="production", seal_pkcs12_path=path))
    # The organisation's PKCS#12 with its password works in production.
    own = load_seal(Settings(privet_data_dir=tmp_path / "dev"))
    p12 = tmp_path / "dev" / "seal" / OWN_P12
    assert own.chain_pem().count(b"BEGIN CERTIFICATE") == 2
    prod = load_seal(Settings(environment="production", seal_pkcs12_path=p12))
    assert prod.trust_roots == own.trust_roots
    # A password-protected one: the right password opens it, a wrong one refuses.
    material = own_seal(p12.parent, "ООО «Привет Супер»")
    locked = tmp_path / "org.p12"
    locked.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"org",
            material.key,  # type: ignore[arg-type]
            material.cert,
            list(material.chain),
            serialization.BestAvailableEncryption(b"s3cret-pass"),
        )
    )
    org = Settings(environment="production", seal_pkcs12_path=locked)
    assert load_seal(org.model_copy(update={"seal_pkcs12_password": "s3cret-pass"})).roots
    with pytest.raises(SealUnavailable, match="password"):
        load_seal(org.model_copy(update={"seal_pkcs12_password": "wrong"}))


def test_the_app_refuses_to_start_in_production_without_a_seal(tmp_path: Path) -> None:
    from privet_manager.main import create_app

    from tests.kit.test_hardening import PRODUCTION_SECRETS

    reset_seal()
    settings = Settings(
        environment="production", public_base_url="https://manager.example.ru", **PRODUCTION_SECRETS
    )
    settings.check_production()  # every secret is fine: only the seal is missing
    with pytest.raises(SealUnavailable, match="SEAL_PKCS12_PATH"):
        create_app(settings)
    with pytest.raises(SealUnavailable, match="cannot read"):
        create_app(settings.model_copy(update={"seal_pkcs12_path": tmp_path / "none.p12"}))
