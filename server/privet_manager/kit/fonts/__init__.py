"""The fonts the PDFs embed (DejaVu Sans: Cyrillic; licence in LICENSE.txt)."""

from __future__ import annotations

from pathlib import Path

FONTS = Path(__file__).parent
REGULAR_TTF = FONTS / "DejaVuSans.ttf"
BOLD_TTF = FONTS / "DejaVuSans-Bold.ttf"
