"""Seeded, deterministic generation of a realistic Intercom workspace."""

from __future__ import annotations

import functools
import random
import uuid
from typing import Any

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.help_center import HelpCenterGenerator
from intercom_sandbox.model.notes import NOTE_IDS, subscription_types
from intercom_sandbox.model.office_hours import office_hours_schedules
from intercom_sandbox.model.tickets import TicketGenerator

FIRST_NAMES = [
    "Ada", "Bruno", "Chloé", "Dmitrij", "Émilie", "Fionnuala", "Gustavo", "Hana", "Ingrid",
    "José", "Kofi", "Łukasz", "Maëlle", "Nguyễn", "Ørjan", "Priya", "Quentin", "Renée",
    "Siobhán", "Tomás", "Ulrike", "Văn", "Wojciech", "Xiadani", "Yūki", "Zoë", "美咲", "Олег",
    "محمد", "Sam", "Alex", "Jordan", "Taylor", "Morgan", "Riley", "Casey",
]
LAST_NAMES = [
    "O'Brien", "Müller", "García", "Nakamura", "Kowalski", "Dubois", "Okafor", "Rossi",
    "Søndergaard", "Ó Súilleabháin", "Smith", "Jones", "Nguyen", "Chen", "Patel", "Ivanova",
    "van der Berg", "da Silva", "Ng", "Fernández", "田中", "Петров", "Δημητρίου",
]
DOMAINS = ["example.com", "example.org", "exämple.de", "mail.example.net", "corp.example.io"]
INDUSTRIES = ["Software", "Retail", "Healthcare", "Finance", "Education", "Logistics", "Media"]
PLANS = ["Free", "Starter", "Pro", "Enterprise"]
COUNTRIES = [
    ("Ireland", "Leinster", "Dublin", "IE", "EU", "Europe/Dublin"),
    ("United States", "California", "San Francisco", "US", "NA", "America/Los_Angeles"),
    ("Germany", "Berlin", "Berlin", "DE", "EU", "Europe/Berlin"),
    ("Japan", "Tokyo", "Tōkyō", "JP", "AS", "Asia/Tokyo"),
    ("Brazil", "São Paulo", "São Paulo", "BR", "SA", "America/Sao_Paulo"),
    ("Australia", "New South Wales", "Sydney", "AU", "OC", "Australia/Sydney"),
    ("Nigeria", "Lagos", "Lagos", "NG", "AF", "Africa/Lagos"),
]
BROWSERS = ["chrome", "firefox", "safari", "edge", None]
OSES = ["OS X 14.1", "Windows 11", "Linux", "iOS 17.2", "Android 14", None]
LEAD_ADJ = ["Lime", "Amber", "Crimson", "Silver", "Teal", "Violet"]
LEAD_ANIMALS = ["Camel", "Otter", "Falcon", "Badger", "Heron", "Lynx"]
TAG_NAMES = [
    "vip", "beta", "churn-risk", "onboarding", "enterprise", "billing", "bug", "feature-request",
    "nps-promoter", "nps-detractor", "trial", "partner", "Überprüfung", "重要", "ops",
]
ACTIVITY_TYPES = ["admin_login_success", "admin_logout", "admin_away_mode_change"]
ACTIVITY_TEXT = {
    "admin_login_success": "{name} successfully logged in.",
    "admin_logout": "{name} logged out.",
    "admin_away_mode_change": "{name} changed their away mode to {away}.",
}
PART_TYPES = ["comment", "comment", "comment", "note", "assignment", "close", "open", "snoozed"]
SUBJECTS = ["Billing question", "Can't log in", "Feature request: CSV export", "", "Bug report",
            "Question about the API", "Refund ✨", "Доступ к аккаунту"]
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
    "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation. "
)

CONTACT_ATTRIBUTES = [
    ("plan_name", "string", PLANS),
    ("seats", "integer", None),
    ("mrr", "float", None),
    ("paid_subscriber", "boolean", None),
    ("trial_ends_at", "date", None),
    ("favourite_colour", "string", None),
    ("nps_score", "integer", None),
]
COMPANY_ATTRIBUTES = [
    ("tier", "string", ["bronze", "silver", "gold"]),
    ("employees", "integer", None),
    ("arr", "float", None),
    ("is_enterprise", "boolean", None),
    ("renewal_at", "date", None),
]
CONVERSATION_ATTRIBUTES = [
    ("issue_type", "string", ["billing", "bug", "question", "other"]),
    ("escalated", "boolean", None),
    ("resolution_minutes", "integer", None),
    ("refund_amount", "float", None),
    ("follow_up_at", "date", None),
]
STANDARD_CONTACT_ATTRIBUTES = [
    ("name", "string"), ("email", "string"), ("phone", "string"), ("external_id", "string"),
    ("created_at", "date"), ("updated_at", "date"), ("signed_up_at", "date"),
    ("last_seen_at", "date"), ("owner_id", "integer"), ("unsubscribed_from_emails", "boolean"),
    ("location.country", "string"), ("location.city", "string"),
]
STANDARD_COMPANY_ATTRIBUTES = [
    ("name", "string"), ("company_id", "string"), ("created_at", "date"),
    ("monthly_spend", "float"), ("size", "integer"), ("website", "string"),
    ("industry", "string"), ("plan.name", "string"),
]
STANDARD_CONVERSATION_ATTRIBUTES = [
    ("state", "string"), ("priority", "string"), ("created_at", "date"), ("updated_at", "date"),
]


def hex_id(prefix: int, seq: int, rng: random.Random) -> str:
    """A 24-hex id, unique by sequence number and random looking like Intercom's."""
    return f"{prefix:02x}{seq:08x}{rng.getrandbits(56):014x}"


def attribute_value(rng: random.Random, data_type: str, options: list | None, now: int) -> Any:
    """A value of an Intercom data type, null about one time in eight."""
    if rng.random() < 0.125:
        return None
    if options:
        return rng.choice(options)
    if data_type == "string":
        return rng.choice(["blue", "grün", "赤", "violet", "", "a " + "long " * 60 + "value"])
    if data_type == "integer":
        return rng.randint(-5, 5000)
    if data_type == "float":
        return round(rng.uniform(0, 10_000), 2)
    if data_type == "boolean":
        return rng.random() < 0.5
    return now - rng.randint(-86400 * 90, 86400 * 400)


class Generator:
    """Builds every collection of a workspace from one seed."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.history_rng = random.Random(config.seed * 104_729 + 3)
        self.opening_rng = random.Random(config.seed * 48_611 + 7)
        self.now = config.anchor

    def timestamp_pair(self) -> tuple[int, int]:
        """A created_at in the past two years and an updated_at between it and the anchor."""
        created = self.now - self.rng.randint(86400, 86400 * 730)
        updated = self.rng.randint(created, self.now)
        return created, updated

    def admins(self) -> list[dict]:
        rng = self.rng
        out = []
        for i in range(self.config.size.admins):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            out.append({
                "id": str(1000 + i), "name": name, "email": f"admin{i}@sandbox.example.com",
                "job_title": rng.choice(["Support", "Success", "Engineer", "Founder"]),
                "away_mode_enabled": rng.random() < 0.1, "away_mode_reassign": False,
                "has_inbox_seat": rng.random() < 0.9, "team_ids": [],
                "avatar": None if i % 3 == 0 else f"https://static.example.com/avatars/{i}.png",
            })
        return out

    def teams(self, admins: list[dict]) -> list[dict]:
        out = []
        for i in range(self.config.size.teams):
            members = [a for j, a in enumerate(admins) if j % max(1, self.config.size.teams) == i]
            team = {"id": str(5000 + i), "name": f"Team {['Alpha', 'Βήτα', 'Gamma', 'Delta'][i % 4]}"
                    f"{'' if i < 4 else f' {i}'}", "admin_ids": [int(a["id"]) for a in members]}
            for admin in members:
                admin["team_ids"].append(int(team["id"]))
            out.append(team)
        return out

    def tags(self) -> list[dict]:
        out = []
        for i in range(self.config.size.tags):
            base = TAG_NAMES[i % len(TAG_NAMES)]
            name = base if i < len(TAG_NAMES) else f"{base}-{i}"
            out.append({"id": str(100000 + i), "name": name, "created_at": self.now - 86400 * i})
        return out

    def segments(self) -> list[dict]:
        out = []
        for i in range(self.config.size.segments):
            kind = "company" if i % 4 == 3 else "user"
            person_type = "contact" if i % 4 == 1 else "user"
            created, updated = self.timestamp_pair()
            out.append({
                "id": hex_id(0x5e, i, self.rng), "name": f"Segment {i}: {kind} cohort",
                "created_at": created, "updated_at": updated, "kind": kind,
                "person_type": person_type,
            })
        return out

    def companies(self, tags: list[dict], segments: list[dict]) -> list[dict]:
        rng = self.rng
        company_segments = [s["id"] for s in segments if s["kind"] == "company"]
        out = []
        for i in range(self.config.size.companies):
            created, updated = self.timestamp_pair()
            out.append({
                "id": hex_id(0x6c, i, rng), "seq": i, "company_id": f"c-{i:06d}",
                "name": f"{rng.choice(LAST_NAMES)} {rng.choice(['GmbH', 'Ltd', 'Inc', 'SA', '株式会社'])}",
                "created_at": created, "updated_at": updated,
                "remote_created_at": created - rng.randint(0, 86400 * 30),
                "last_request_at": rng.randint(created, self.now),
                "monthly_spend": rng.randint(0, 50_000), "session_count": rng.randint(0, 9000),
                "user_count": 0, "size": rng.randint(1, 5000),
                "website": f"https://www.company{i}.example.com",
                "industry": rng.choice(INDUSTRIES), "plan": rng.choice([*PLANS, None]),
                "custom_attributes": {
                    name: attribute_value(rng, kind, opts, self.now)
                    for name, kind, opts in COMPANY_ATTRIBUTES
                },
                "tag_ids": rng.sample([t["id"] for t in tags], k=min(len(tags), rng.randint(0, 2))),
                "segment_ids": rng.sample(company_segments, k=min(len(company_segments), 1))
                if company_segments and rng.random() < 0.5 else [],
            })
        return out

    def contacts(self, companies: list[dict], tags: list[dict], segments: list[dict],
                 admins: list[dict]) -> list[dict]:
        rng = self.rng
        size = self.config.size
        tag_ids = [t["id"] for t in tags]
        person_segments = [s["id"] for s in segments if s["kind"] == "user"]
        out = []
        previous_updated = None
        roles = ["user"] * size.users + ["lead"] * size.leads
        rng.shuffle(roles)
        companies_by_id = {c["id"]: c for c in companies}
        locations: dict[tuple, dict] = {}  # one per country, shared: a million contacts fit
        for seq, role in enumerate(roles):
            created, updated = self.timestamp_pair()
            if previous_updated is not None and rng.random() < 0.03:
                updated = max(created, previous_updated)  # equal timestamps exercise tie-breaks
            previous_updated = updated
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            has_email = role == "user" or rng.random() < 0.6
            email = f"{first.lower()}.{seq}@{rng.choice(DOMAINS)}" if has_email else None
            country = rng.choice(COUNTRIES)
            if role == "user":
                external_id = f"u-{seq:07d}" if rng.random() < 0.95 else None
                name = f"{first} {last}" if rng.random() < 0.9 else None
                pseudonym = None
            else:
                external_id = f"{rng.getrandbits(128):032x}"
                external_id = "-".join((external_id[:8], external_id[8:12], external_id[12:16],
                                        external_id[16:20], external_id[20:]))
                name = f"{first} {last}" if rng.random() < 0.3 else None
                pseudonym = f"{rng.choice(LEAD_ADJ)} {rng.choice(LEAD_ANIMALS)} from {country[2]}"
            seen = rng.randint(created, self.now) if rng.random() < 0.8 else None
            n_companies = 0 if role == "lead" or not companies else rng.choice([0, 1, 1, 1, 2, 3])
            company_ids = [c["id"] for c in rng.sample(companies, k=min(n_companies, len(companies)))]
            for company_id in company_ids:
                companies_by_id[company_id]["user_count"] += 1
            out.append({
                "id": hex_id(0x64, seq, rng), "seq": seq, "role": role,
                "external_id": external_id, "email": email,
                "phone": f"+353 1 {rng.randint(1000000, 9999999)}" if rng.random() < 0.4 else None,
                "name": name, "pseudonym": pseudonym,
                "avatar": f"https://static.example.com/u/{seq}.png" if rng.random() < 0.3 else None,
                "owner_id": int(rng.choice(admins)["id"]) if admins and rng.random() < 0.3 else None,
                "created_at": created, "updated_at": updated,
                "signed_up_at": created if role == "user" else None,
                "last_seen_at": seen,
                "last_replied_at": rng.randint(created, self.now) if rng.random() < 0.4 else None,
                "last_contacted_at": rng.randint(created, self.now) if rng.random() < 0.4 else None,
                "last_email_opened_at": rng.randint(created, self.now) if rng.random() < 0.3 else None,
                "last_email_clicked_at": rng.randint(created, self.now) if rng.random() < 0.2 else None,
                "session_count": rng.randint(0, 400),
                "unsubscribed_from_emails": rng.random() < 0.1,
                "has_hard_bounced": rng.random() < 0.02, "marked_email_as_spam": rng.random() < 0.01,
                "language_override": rng.choice([None, None, None, "fr", "de", "ja"]),
                "browser": rng.choice(BROWSERS), "browser_version": rng.choice(["120.0", "17.2", None]),
                "browser_language": rng.choice(["en", "en-IE", "de", "pt-BR", None]),
                "os": rng.choice(OSES),
                "last_seen_ip": f"203.0.113.{rng.randint(1, 254)}" if seen else None,
                "user_agent": "Mozilla/5.0 (Sandbox)" if seen else None,
                "location": shared_location(locations, country) if rng.random() < 0.85 else None,
                "social_profiles": [{"name": "Twitter", "username": f"user{seq}",
                                     "url": f"https://twitter.com/user{seq}"}]
                if rng.random() < 0.1 else [],
                "referrer": "https://www.example.com/pricing" if rng.random() < 0.2 else None,
                "utm_source": rng.choice([None, None, "newsletter", "google"]),
                "custom_attributes": {
                    name: attribute_value(rng, kind, opts, self.now)
                    for name, kind, opts in CONTACT_ATTRIBUTES
                },
                "company_ids": company_ids,
                "tag_ids": rng.sample(tag_ids, k=min(len(tag_ids), rng.choice([0, 0, 1, 2, 3, 12]))),
                "segment_ids": rng.sample(person_segments, k=min(len(person_segments), rng.randint(0, 2))),
                "archived": False,
            })
        return out

    def conversations(self, contacts: list[dict], admins: list[dict], teams: list[dict],
                      tags: list[dict]) -> list[dict]:
        rng = self.rng
        out = []
        part_seq = 0
        n = self.config.size.conversations
        long_every = n // self.config.size.long_conversations if self.config.size.long_conversations else 0
        for seq in range(n):
            contact = rng.choice(contacts) if contacts else None
            created, updated = self.timestamp_pair()
            if long_every and seq % long_every == long_every // 2:
                n_parts = rng.randint(505, 900)
            else:
                n_parts = min(int(rng.expovariate(1 / 6)), 120)
            admin = rng.choice(admins) if admins else None
            state = rng.choice(["open", "closed", "closed", "snoozed"])
            # Shared by the conversation's parts (replaced, never changed in place).
            admin_author = {"type": "admin", "id": admin["id"], "name": admin["name"],
                            "email": admin["email"]} if admin is not None else None
            contact_author = {"type": contact["role"] if contact else "user",
                              "id": contact["id"] if contact else "0",
                              "name": contact["name"] if contact else None,
                              "email": contact["email"] if contact else None}
            parts = []
            at = created
            for p in range(n_parts):
                part_seq += 1
                # Replies come hours apart (minutes to days), never after the last update.
                at = min(updated, at + 60 + int(rng.expovariate(1 / 14_400)))
                body_len = rng.choice([1, 1, 2, 3, 60]) if p % 97 else 400
                part_type = rng.choice(PART_TYPES)
                if part_type != "comment" and admin is None:
                    part_type = "comment"  # only teammates note, assign, close, open or snooze
                by_admin = admin is not None and (p % 2 == 1 or part_type != "comment")
                author = admin_author if by_admin else contact_author
                parts.append({
                    "id": str(2_000_000_000 + part_seq), "part_type": part_type,
                    "body": None if p % 11 == 5 else part_body(40 + p % 60, body_len),
                    "created_at": at, "updated_at": at, "notified_at": at,
                    "assigned_to": {"type": "admin", "id": admin["id"]} if admin and p % 13 == 0
                    else None,
                    "author": author, "attachments": [], "external_id": None, "redacted": False,
                })
            first_reply = parts[1]["created_at"] if len(parts) > 1 else None
            rated = state == "closed" and rng.random() < 0.3 and admin and contact
            out.append({
                "id": str(10_000_000 + seq), "seq": seq, "created_at": created,
                "updated_at": updated, "title": rng.choice([None, "Support request", "Δοκιμή"]),
                "state": state, "open": state == "open", "read": rng.random() < 0.7,
                "priority": rng.choice(["priority", "not_priority", "not_priority"]),
                "waiting_since": updated if state == "open" and rng.random() < 0.5 else None,
                "snoozed_until": updated + 86400 if state == "snoozed" else None,
                "admin_assignee_id": int(admin["id"]) if admin and rng.random() < 0.8 else None,
                "team_assignee_id": int(rng.choice(teams)["id"]) if teams and rng.random() < 0.5
                else None,
                "contact_ids": [contact["id"]] if contact else [],
                "source": {
                    "type": rng.choice(["conversation", "conversation", "email", "push"]),
                    "id": str(300_000_000 + seq),
                    "delivered_as": rng.choice(["customer_initiated", "admin_initiated",
                                                "automated"]),
                    "subject": rng.choice(SUBJECTS),
                    "body": f"<p>{LOREM * rng.choice([1, 1, 4, 40])}</p>",
                    "author": {"type": contact["role"] if contact else "user",
                               "id": contact["id"] if contact else "0",
                               "name": contact["name"] if contact else None,
                               "email": contact["email"] if contact else None},
                    "url": None,
                },
                "tags": [{"id": t["id"], "applied_at": created,
                          "applied_by": admin["id"] if admin else None}
                         for t in rng.sample(tags, k=min(len(tags), rng.choice([0, 0, 1, 2])))],
                "rating": {"rating": rng.randint(1, 5), "remark": rng.choice(["", "Great ✨"]),
                           "created_at": updated, "contact_id": contact["id"],
                           "teammate_id": admin["id"]} if rated else None,
                "first_contact_reply_at": created,
                "first_admin_reply_at": first_reply,
                "custom_attributes": {
                    name: attribute_value(rng, kind, opts, self.now)
                    for name, kind, opts in CONVERSATION_ATTRIBUTES
                },
                "parts": parts,
            })
            self.settle_history(out[-1], admin)
            self.settle_authors(out[-1], admin)
        return out

    def settle_history(self, conversation: dict, admin: dict | None) -> None:
        """Make a conversation's state plausible for its age: one untouched for a month is
        closed nine times in ten, and a closed one's last state change is a teammate's close.

        Uses its own random stream, so the other collections stay as the seed always gave them.
        """
        rng = self.history_rng
        parts = conversation["parts"]
        if conversation["updated_at"] < self.now - 86400 * 30 and admin is not None \
                and rng.random() < 0.9:
            conversation.update(state="closed", open=False, waiting_since=None,
                                snoozed_until=None)
        changes = [p for p in parts if p["part_type"] in ("close", "open", "snoozed")]
        if conversation["state"] == "closed" and admin is not None and parts \
                and (not changes or changes[-1]["part_type"] != "close"):
            last = changes[-1] if changes else parts[-1]
            last["part_type"] = "close"
            last["author"] = {"type": "admin", "id": admin["id"], "name": admin["name"],
                              "email": admin["email"]}
        elif conversation["state"] != "closed" and changes and changes[-1]["part_type"] == "close":
            changes[-1]["part_type"] = "open" if conversation["state"] == "open" else "snoozed"

    def settle_authors(self, conversation: dict, admin: dict | None) -> None:
        """An admin-initiated conversation opens with the admin's message; only assignment
        parts name an assignee, the conversation's team about half the time.

        Uses its own random stream, so the other collections stay as the seed always gave them.
        """
        source = conversation["source"]
        if source["delivered_as"] == "admin_initiated":
            if admin is None:
                source["delivered_as"] = "customer_initiated"
            else:
                source["author"] = {"type": "admin", "id": admin["id"], "name": admin["name"],
                                    "email": admin["email"]}
        team_id = conversation["team_assignee_id"]
        for part in conversation["parts"]:
            if part["part_type"] != "assignment" or admin is None:
                part["assigned_to"] = None
            elif team_id is not None and self.opening_rng.random() < 0.5:
                part["assigned_to"] = {"type": "team", "id": str(team_id)}
            else:
                part["assigned_to"] = {"type": "admin", "id": admin["id"]}

    def data_attributes(self) -> list[dict]:
        out = []
        groups = [
            ("contact", STANDARD_CONTACT_ATTRIBUTES, CONTACT_ATTRIBUTES),
            ("company", STANDARD_COMPANY_ATTRIBUTES, COMPANY_ATTRIBUTES),
            ("conversation", STANDARD_CONVERSATION_ATTRIBUTES, CONVERSATION_ATTRIBUTES),
        ]
        next_id = 1
        for model, standard, custom in groups:
            for name, kind in standard:
                out.append(data_attribute(model, name, kind, None, custom=False, now=self.now))
            for name, kind, options in custom:
                out.append(data_attribute(model, name, kind, options, custom=True, now=self.now,
                                          attribute_id=next_id))
                next_id += 1
        out.append(data_attribute("contact", "legacy_score", "integer", None, custom=True,
                                  now=self.now, attribute_id=next_id, archived=True))
        return out

    def events(self, contacts: list[dict]) -> list[dict]:
        rng = self.rng
        users = [c for c in contacts if c["role"] == "user"]
        out = []
        seen = set()
        for i in range(self.config.size.events if users else 0):
            user = rng.choice(users)
            name = rng.choice(["placed-order", "invited-teammate", "viewed-pricing", "exported-csv"])
            created = self.now - rng.randint(0, 86400 * 80)
            key = (user["id"], name, created)
            if key in seen:
                continue
            seen.add(key)
            out.append({"id": f"ev-{i:07d}", "event_name": name, "created_at": created,
                        "contact_id": user["id"],
                        "metadata": {"order_value": rng.randint(1, 900), "currency": "EUR"}
                        if name == "placed-order" else {}})
        return out


    def activity_logs(self, admins: list[dict]) -> list[dict]:
        """Teammates' sign-ins, sign-outs and away-mode changes over the last 90 days."""
        rng = random.Random(self.config.seed * 7_919 + 11)
        out = []
        for admin in admins:
            for _ in range(rng.randint(2, 8)):
                kind = rng.choice(ACTIVITY_TYPES)
                away = kind == "admin_away_mode_change" and rng.random() < 0.5
                metadata = ({"sign_in_method": "email_password"} if kind == "admin_login_success"
                            else {"away_mode": away, "reassign_conversations": False,
                                  "update_by": int(admin["id"]), "update_by_name": admin["name"]}
                            if kind == "admin_away_mode_change" else {})
                out.append({
                    "id": str(uuid.UUID(int=rng.getrandbits(128))), "admin_id": admin["id"],
                    "created_at": self.now - rng.randint(0, 86400 * 90), "activity_type": kind,
                    "ip": f"198.51.100.{rng.randint(1, 254)}", "metadata": metadata,
                    "activity_description": ACTIVITY_TEXT[kind].format(
                        name=admin["name"], away="away" if away else "back"),
                })
        out.sort(key=lambda a: (a["created_at"], a["id"]))
        for seq, record in enumerate(out):
            record["seq"] = seq
        return out


def data_attribute(model: str, name: str, kind: str, options: list | None, *, custom: bool,
                   now: int, attribute_id: int | None = None, archived: bool = False) -> dict:
    """One data attribute definition."""
    prefix = "custom_attributes." if custom else ""
    return {
        "id": f"{model}.{prefix}{name}", "attribute_id": attribute_id, "model": model,
        "name": name, "full_name": prefix + name,
        "label": name.replace("_", " ").replace(".", " ").title(),
        "description": f"{'Custom' if custom else 'Standard'} {model} attribute {name}",
        "data_type": kind, "options": list(options or []), "api_writable": custom,
        "messenger_writable": False, "ui_writable": True, "custom": custom,
        "archived": archived, "created_at": now - 86400 * 400 if custom else None,
        "updated_at": now - 86400 * 30 if custom else None, "admin_id": "1000" if custom else None,
    }


def shared_location(locations: dict[tuple, dict], country: tuple) -> dict:
    """The location of `country`, one dict for every contact there (replaced, never changed)."""
    if country not in locations:
        locations[country] = {"country": country[0], "region": country[1], "city": country[2],
                              "country_code": country[3], "continent_code": country[4],
                              "timezone": country[5], "postal_code": None}
    return locations[country]


@functools.lru_cache(maxsize=1024)
def part_body(length: int, repeats: int) -> str:
    """A part's HTML body; equal bodies are one string, so 100,000 conversations fit."""
    return f"<p>{LOREM[:length] * repeats}</p>"


def generate(config: SandboxConfig) -> dict[str, list[dict]]:
    """Every collection of a fresh workspace, deterministic for the config's seed and sizes."""
    gen = Generator(config)
    admins = gen.admins()
    teams = gen.teams(admins)
    tags = gen.tags()
    segments = gen.segments()
    companies = gen.companies(tags, segments)
    contacts = gen.contacts(companies, tags, segments, admins)
    conversations = gen.conversations(contacts, admins, teams, tags)
    notes = past_embedded_caps(config, contacts, companies, tags, admins)
    help_center = HelpCenterGenerator(config)
    help_centers = help_center.help_centers()
    collections = help_center.collections(help_centers)
    tickets = TicketGenerator(config)
    ticket_states = tickets.ticket_states()
    ticket_types = tickets.ticket_types(ticket_states)
    return {
        "ticket_states": ticket_states, "ticket_types": ticket_types,
        "tickets": tickets.tickets(ticket_types, ticket_states, contacts, admins, teams),
        "notes": notes, "subscription_types": subscription_types(),
        "help_centers": help_centers, "collections": collections,
        "articles": help_center.articles(collections, admins),
        "office_hours_schedules": office_hours_schedules(config),
        "admins": admins, "teams": teams, "tags": tags, "segments": segments,
        "companies": companies, "contacts": contacts, "conversations": conversations,
        "data_attributes": gen.data_attributes(), "events": gen.events(contacts),
        "activity_logs": gen.activity_logs(admins),
    }


EMBEDDED_CAP = 10  # references a 2.x contact embeds per addressable list


def past_embedded_caps(config: SandboxConfig, contacts: list[dict], companies: list[dict],
                       tags: list[dict], admins: list[dict]) -> list[dict]:
    """Notes for some contacts (returned), and lists past 2.x's embedded cap for a few of them.

    About one contact in 25 gets more tags, companies (users only) and notes than a 2.x contact
    embeds; a separate random stream keeps every other generated value as it was.
    """
    rng = random.Random(config.seed * 15_485_863 + 11)
    tag_ids = [t["id"] for t in tags]
    by_id = {c["id"]: c for c in companies}
    notes: list[dict] = []
    for contact in contacts:
        crowded = rng.random() < 0.04
        if crowded and len(tag_ids) > EMBEDDED_CAP:
            extra = [t for t in tag_ids if t not in contact["tag_ids"]]
            wanted = EMBEDDED_CAP + rng.randint(1, 4) - len(contact["tag_ids"])
            contact["tag_ids"] += rng.sample(extra, k=max(0, min(len(extra), wanted)))
        if crowded and contact["role"] == "user" and len(companies) > EMBEDDED_CAP:
            extra = [c for c in by_id if c not in contact["company_ids"]]
            wanted = EMBEDDED_CAP + rng.randint(1, 4) - len(contact["company_ids"])
            for company_id in rng.sample(extra, k=max(0, min(len(extra), wanted))):
                contact["company_ids"].append(company_id)
                by_id[company_id]["user_count"] += 1
        n_notes = EMBEDDED_CAP + rng.randint(1, 5) if crowded else rng.choice([0, 0, 0, 0, 1, 2])
        for _ in range(n_notes if admins else 0):
            notes.append({
                "id": str(NOTE_IDS + len(notes)), "seq": len(notes), "contact_id": contact["id"],
                "created_at": rng.randint(contact["created_at"], contact["updated_at"]),
                "admin_id": rng.choice(admins)["id"],
                "body": f"<p>{rng.choice(LOREM.split('. '))}.</p>"})
    return notes
