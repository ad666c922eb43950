"""Which records' objects already exist in Intercom, for the update_only and create_only modes:
2.x contacts by one search per 100 records; 1.x people and companies by one lookup each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from intercom_client.errors import NotFoundError
from intercom_client.http import IntercomHttp
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import StreamSettings, TargetSettings
from target_intercom.upsert import look_up_contacts

V1_PEOPLE = {"users": "/users", "leads": "/contacts"}
SINGULAR = {"users": "user", "leads": "lead", "companies": "company"}


class Presence:
    """Looks up whether each record's object exists."""

    def __init__(self, http: IntercomHttp, settings: TargetSettings, obj: str) -> None:
        self.http = http
        self.settings = settings
        self.obj = obj

    def existing(self, items: list[Item]) -> set[int]:
        """The rows whose object exists in Intercom."""
        if self.obj in V1_PEOPLE and self.settings.generation == 2:
            contacts = look_up_contacts(self.http, items)
            return {i.row for i in items if contacts.locate(i.payload) is not None}
        with ThreadPoolExecutor(max_workers=self.settings.max_workers) as pool:
            found = list(pool.map(self._exists, items))
        return {item.row for item, exists in zip(items, found, strict=True) if exists}

    def _exists(self, item: Item) -> bool:
        payload = item.payload
        if self.obj == "companies":
            path, params = "/companies", {"company_id": payload["company_id"]}
        elif payload.get("id"):
            path, params = f"{V1_PEOPLE[self.obj]}/{payload['id']}", {}
        elif payload.get("user_id"):
            path, params = V1_PEOPLE[self.obj], {"user_id": payload["user_id"]}
        else:
            path, params = V1_PEOPLE[self.obj], {"email": payload["email"]}
        try:
            answer = self.http.json("GET", path, params=params)
        except NotFoundError:
            return False
        if str(answer.get("type", "")).endswith(".list") or "data" in answer:
            listed = answer.get("data") or answer.get("users") or answer.get("contacts") \
                or answer.get("companies") or []
            return bool(listed)
        return bool(answer.get("id"))


def screen(items: list[Item], stream: StreamSettings, presence: Presence,
           outcomes: StreamOutcomes) -> list[Item]:
    """The items a stream's sync mode lets through; the others are settled as skipped."""
    mode = stream.sync_mode
    upserts = [i for i in items if i.operation == "upsert"]
    if mode not in ("update_only", "create_only") or not upserts:
        return items
    existing = presence.existing(upserts)
    kept: list[Item] = []
    for item in items:
        if item.operation == "upsert" and mode == "update_only" and item.row not in existing:
            outcomes.skip(item, "not_found", f"update_only: no {SINGULAR[stream.object]} has "
                                             "these identifiers")
        elif item.operation == "upsert" and mode == "create_only" and item.row in existing:
            outcomes.skip(item, "exists", f"create_only: the {SINGULAR[stream.object]} exists")
        else:
            kept.append(item)
    return kept
