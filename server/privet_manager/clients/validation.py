"""Field rules of steps 1 and 2; messages are shown beside the field, in Russian."""

from __future__ import annotations

import re
from datetime import date, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

_DEPARTMENT = re.compile(r"^(\d{3})-?(\d{3})$")


def normalize_phone(raw: str) -> str:
    """Any way of writing a Russian mobile number → +7XXXXXXXXXX."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] == "8" and not text.startswith("+"):
        text = "+7" + digits[1:]
    elif len(digits) == 10 and not text.startswith("+"):
        text = "+7" + digits
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        raise ValueError("Неверный номер телефона") from None
    if number.country_code != 7 or not phonenumbers.is_valid_number(number):
        raise ValueError("Нужен российский номер: +7 и 10 цифр")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not re.fullmatch(r"\+7\d{10}", formatted):
        raise ValueError("Нужен российский номер: +7 и 10 цифр")
    return formatted


def display_phone(stored: str | None) -> str:
    """+79166308337 as people write it, «+7 916 630-83-37» (the SPA's cards and forms, the
    contract); anything else as it is, nothing as «—»."""
    if not stored:
        return "—"
    m = re.fullmatch(r"\+7(\d{3})(\d{3})(\d{2})(\d{2})", stored)
    return f"+7 {m[1]} {m[2]}-{m[3]}-{m[4]}" if m else stored


def normalize_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("Неверный адрес электронной почты") from None
    return result.normalized


def digits_exactly(raw: str, n: int, message: str) -> str:
    value = re.sub(r"\s", "", raw)
    if len(value) != n or not value.isascii() or not value.isdigit():
        raise ValueError(message)
    return value


def department_code(raw: str) -> str:
    m = _DEPARTMENT.fullmatch(raw.strip())
    if m is None:
        raise ValueError("Код подразделения — в формате 123-456")
    return f"{m.group(1)}-{m.group(2)}"


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# A Russian passport is replaced at 20 and at 45; the old one stays valid for 90 days after
# that birthday (Regulation on the passport of a citizen of the Russian Federation, items
# 7 and 15).
REPLACEMENT_AGES = (20, 45)
REPLACEMENT_GRACE = timedelta(days=90)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def passport_expired_at(birth_date: date, issue_date: date, today: date) -> int | None:
    """The age at which this passport had to be replaced and is no longer valid today."""
    for age in REPLACEMENT_AGES:
        birthday = add_years(birth_date, age)
        if issue_date < birthday and today > birthday + REPLACEMENT_GRACE:
            return age
    return None


def passport_date_errors(birth_date: date, issue_date: date, today: date) -> list[tuple[str, str]]:
    """(field, message) for every date that makes no sense, and for a passport that is no
    longer valid."""
    errors: list[tuple[str, str]] = []
    if birth_date > today:
        errors.append(("birth_date", "Дата рождения не может быть в будущем"))
    elif birth_date < add_years(today, -120):
        errors.append(("birth_date", "Проверьте дату рождения"))
    elif add_years(birth_date, 14) > today:
        errors.append(("birth_date", "Паспорт выдаётся с 14 лет"))
    if issue_date > today:
        errors.append(("issue_date", "Дата выдачи не может быть в будущем"))
    elif issue_date < birth_date:
        errors.append(("issue_date", "Дата выдачи не может быть раньше даты рождения"))
    elif issue_date < add_years(birth_date, 14):
        errors.append(("issue_date", "Паспорт выдаётся не раньше 14-летия"))
    elif (age := passport_expired_at(birth_date, issue_date, today)) is not None:
        errors.append(
            (
                "issue_date",
                f"Паспорт недействителен: в {age} лет его нужно было заменить "
                "(старый действует 90 дней после дня рождения)",
            )
        )
    return errors


def address_line(
    postal_code: str | None,
    region: str | None,
    city: str | None,
    street: str | None,
    house: str | None,
    building: str | None,
    apartment: str | None,
) -> str | None:
    parts = [
        postal_code,
        region,
        city,
        street,
        f"д. {house}" if house else None,
        f"корп. {building}" if building else None,
        f"кв. {apartment}" if apartment else None,
    ]
    line = ", ".join(p for p in parts if p)
    return line or None
