"""The app as it signed before the seal (issue 14): the evidence page appended, no seal. Only
for `contracts_bench --compare-unsealed`, so that one run measures confirm with and without
the seal on the same machine at the same load."""

from __future__ import annotations

from fastapi import FastAPI
from privet_manager.main import create_app as create_sealed_app
from privet_manager.seal import SealedPdf, SealStamp
from privet_manager.signing import confirm
from privet_manager.signing.pdf.document import EvidenceDocument
from privet_manager.signing.pdf.evidence import append_evidence


def unsealed_copy(original: bytes, ev: EvidenceDocument, stamp: SealStamp) -> SealedPdf:
    return SealedPdf(append_evidence(original, ev), timestamped=False)


def create_app() -> FastAPI:
    confirm.signed_copy = unsealed_copy
    return create_sealed_app()
