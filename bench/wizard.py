"""A manager going through the whole wizard over HTTP, as the SPA does (for the soak run and
the fault tests): claim → profile → passport → device + photo → tariff → generate → the
client reads the code in the support chat → confirm → payment."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from bench import seed_data

API = "/api/manager"
CODE_RE = re.compile(r"код подтверждения: (\d{6})")
# Enough of a JPEG for the magic-byte check.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(2048)


class StepFailed(Exception):
    def __init__(self, step: str, response: httpx.Response, why: str = "") -> None:
        super().__init__(f"{step}: {response.status_code} {why or response.text[:500]}")
        self.step = step
        self.status = response.status_code
        self.response = response


def app_token(jwt_secret: str, user_id: int) -> str:
    """What the Привет Супер app holds: a JWT signed with JWT_SECRET, sub = user id."""
    from privet_manager.kit.security import create_jwt

    token, _ = create_jwt(
        jwt_secret, subject=str(user_id), token_type="app", ttl=timedelta(minutes=10)
    )
    return token


@dataclass
class Timings:
    """Seconds per step, for the soak report."""

    steps: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: str, seconds: float) -> None:
        self.steps.setdefault(step, []).append(seconds)


@dataclass
class Wizard:
    http: httpx.AsyncClient
    headers: dict[str, str]
    jwt_secret: str
    rng: random.Random = field(default_factory=random.Random)
    timings: Timings = field(default_factory=Timings)

    async def call(
        self, step: str, method: str, url: str, expect: tuple[int, ...] = (200, 201), **kw: Any
    ) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        r = await self.http.request(method, url, headers=headers, **kw)
        self.timings.add(step, r.elapsed.total_seconds())
        if r.status_code not in expect:
            raise StepFailed(step, r)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else None

    async def claim(self, cid: int) -> int:
        return int((await self.call("claim", "POST", f"{API}/clients/{cid}/claim"))["version"])

    async def profile(self, cid: int, version: int) -> int:
        p = seed_data.person(self.rng)
        a = seed_data.address(self.rng)
        body = {
            "version": version,
            "name": p.name,
            "phone": f"8 (9{self.rng.randrange(100):02d}) {self.rng.randrange(1000):03d}-"
            f"{self.rng.randrange(100):02d}-{self.rng.randrange(100):02d}",
            "email": f"{p.email_local}.{uuid.uuid4().hex[:6]}@example.ru",
            "address": {
                "postal_code": a.postal_code,
                "region": a.region,
                "city": a.city,
                "street": a.street,
                "house": a.house,
                "apartment": a.apartment,
            },
        }
        r = await self.call("profile", "PATCH", f"{API}/clients/{cid}/profile", json=body)
        return int(r["version"])

    async def passport(self, cid: int, version: int) -> int:
        from privet_manager.clients.validation import add_years

        birth = date(1960, 1, 1) + timedelta(days=self.rng.randrange(365 * 40))
        # A valid passport: the one issued after the last replacement age (20, 45) passed.
        at_45 = add_years(birth, 45)
        issued = at_45 if at_45 < date.today() else add_years(birth, 21)
        body = {
            "version": version,
            "series": f"{self.rng.randrange(10000):04d}",
            "number": f"{self.rng.randrange(1000000):06d}",
            "issued_by": "ГУ МВД России по г. Москве",
            "issue_date": issued.isoformat(),
            "department_code": f"{self.rng.randrange(1000):03d}-{self.rng.randrange(1000):03d}",
            "birth_date": birth.isoformat(),
            "birth_place": "г. Москва",
        }
        r = await self.call("passport", "PUT", f"{API}/clients/{cid}/passport", json=body)
        return int(r["version"])

    async def device(self, cid: int, version: int | None = None) -> tuple[int, int]:
        kind, brand, model, serial = seed_data.device(self.rng)
        body: dict[str, Any] = {
            "kind": kind,
            "brand": brand,
            "model": model,
            "serial_number": serial,
            "declared_value": f"{self.rng.randrange(10000, 150000, 100)}.00",
        }
        if version is not None:
            body["version"] = version
        r = await self.call(
            "device", "POST", f"{API}/clients/{cid}/devices", json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        return int(r["id"]), int(r["client_version"])

    async def upload(self, cid: int, device_id: int, content: bytes = JPEG) -> str:
        """Ask for an upload URL and upload the photo the way the browser does; the file key."""
        base = f"{API}/clients/{cid}/devices/{device_id}/photos"
        out = await self.call(
            "upload_url", "POST", f"{base}/upload-url",
            json={"content_type": "image/jpeg", "size": len(content)},
        )  # fmt: skip
        upload = out["upload"]
        if upload["method"].upper() == "POST":  # S3 presigned POST policy: the file goes last
            r = await self.http.post(
                upload["url"], data=upload.get("fields") or {},
                files={"file": ("photo.jpg", content, "image/jpeg")},
            )  # fmt: skip
        else:
            r = await self.http.put(upload["url"], content=content, headers=upload.get("headers"))
        if r.status_code >= 300:
            raise StepFailed("upload", r)
        return str(out["file_key"])

    async def confirm_photo(self, cid: int, device_id: int, file_key: str) -> dict[str, Any]:
        base = f"{API}/clients/{cid}/devices/{device_id}/photos"
        result: dict[str, Any] = await self.call("photo", "POST", base, json={"file_key": file_key})
        return result

    async def tariffs(self) -> list[str]:
        return [t["code"] for t in (await self.call("tariffs", "GET", f"{API}/tariffs"))["items"]]

    async def apply_tariff(self, cid: int, code: str) -> str:
        r = await self.call(
            "tariff", "POST", f"{API}/clients/{cid}/tariff/apply", json={"tariff_code": code}
        )
        return str(r["surcharge"])

    async def generate(self, cid: int) -> dict[str, Any]:
        r = await self.call(
            "generate", "POST", f"{API}/clients/{cid}/contract/generate", json={"pep_agreed": True}
        )
        return dict(r["contract"])

    async def read_code(self, user_id: int) -> str:
        """The latest code in the client's support chat, read through the client-side bridge."""
        headers = {"Authorization": f"Bearer {app_token(self.jwt_secret, user_id)}"}
        r = await self.http.get("/api/support/tickets", headers=headers)
        if r.status_code != 200:
            raise StepFailed("support_tickets", r)
        found: list[tuple[int, str]] = []
        for ticket in r.json()["items"]:
            m = await self.http.get(
                f"/api/support/tickets/{ticket['id']}/messages", headers=headers
            )
            if m.status_code != 200:
                raise StepFailed("support_messages", m)
            for message in m.json()["items"]:
                code = CODE_RE.search(message["body"])
                if code:
                    found.append((message["id"], code.group(1)))
        if not found:
            raise AssertionError(f"no code in the support chat of user {user_id}")
        return max(found)[1]

    async def confirm(self, cid: int, code: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "confirm", "POST", f"{API}/clients/{cid}/contract/confirm", json={"code": code}
        )
        return result

    async def pay(self, cid: int, amount: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "payment", "POST", f"{API}/clients/{cid}/payment/confirm",
            json={"amount": amount, "method": self.rng.choice(("cash", "card", "transfer")),
                  "reference": f"RRN {self.rng.randrange(10**6):06d}"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        return result

    async def card(self, cid: int) -> dict[str, Any]:
        """The card, as the SPA loads it at each step: the holder's read of the passport is
        logged (an activity entry), concurrently with the client's other writes."""
        r = await self.http.get(f"{API}/clients/{cid}", headers=self.headers)
        self.timings.add("card", r.elapsed.total_seconds())
        if r.status_code != 200:
            raise StepFailed("card", r)
        card: dict[str, Any] = r.json()
        if card["passport"] is None or card["timeline"][0]["action"] != "passport.read":
            raise StepFailed("card", r, "the holder's passport read was not shown and logged")
        return card
