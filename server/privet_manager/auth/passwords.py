"""Password policy: length in characters and bytes, and a shipped list of common passwords."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from privet_manager.kit.errors import Unprocessable
from privet_manager.kit.security import BCRYPT_MAX_BYTES, password_too_long

MIN_LENGTH = 8


@lru_cache
def common_passwords() -> frozenset[str]:
    text = (
        resources.files("privet_manager.auth")
        .joinpath("data/common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, loc: tuple[str, ...] = ("body", "password")) -> None:
    """Raise a 422 naming the rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise Unprocessable(f"Пароль должен быть не короче {MIN_LENGTH} символов", loc=loc)
    if password_too_long(password):
        raise Unprocessable(
            f"Пароль длиннее {BCRYPT_MAX_BYTES} байт (около 36 русских букв): сократите его",
            code="password_too_long",
            loc=loc,
        )
    if password.lower() in common_passwords():
        raise Unprocessable(
            "Этот пароль слишком распространён, выберите другой", code="password_common", loc=loc
        )
