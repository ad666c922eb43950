"""Input records to Intercom payloads: where each column goes, type conversion, validation."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from target_intercom.settings import DELETE_COLUMN, StreamSettings

TEXT, IDENT, TIME, FLAG, NUMBER, WHOLE, ROLE, COMPANIES, TAGS = (
    "text", "ident", "time", "flag", "number", "whole", "role", "companies", "tags")
SDK_METADATA = ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "_sdc_sequence",
                "_sdc_table_version", "_sdc_sync_started_at")
MAX_METADATA_KEYS = 10
FALSE_WORDS = {"", "0", "false", "f", "no", "n"}
IDENTIFIERS = frozenset({"id", "user_id", "external_id", "email", "company_id", "event_name",
                         "created_at", "role"})  # never sent as null

PEOPLE_READ_ONLY = frozenset({
    "type", "app_id", "created_at", "updated_at", "session_count", "anonymous", "pseudonym",
    "location_data", "location", "social_profiles", "segments", "notes", "user_agent_data",
    "referrer", "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term",
    "marked_email_as_spam", "has_hard_bounced", "do_not_track", "email_domain", "formatted_phone",
    "workspace_id", "last_replied_at", "last_contacted_at", "last_email_opened_at",
    "last_email_clicked_at", "browser", "browser_version", "browser_language", "os",
    "language_override", "android_app_name", "android_app_version", "android_device",
    "android_os_version", "android_sdk_version", "android_last_seen_at", "ios_app_name",
    "ios_app_version", "ios_device", "ios_os_version", "ios_sdk_version", "ios_last_seen_at",
    "opted_in_subscription_types", "opted_out_subscription_types"})
COMPANY_READ_ONLY = frozenset({"type", "id", "app_id", "created_at", "updated_at", "last_request_at",
                               "user_count", "segments"})


class Invalid(Exception):
    """A record Intercom would not accept; it is reported and never sent."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ObjectFields:
    """Where the fields of one object go on one API generation."""

    known: Mapping[str, str]
    aliases: Mapping[str, str]
    read_only: frozenset[str]
    extras: str  # the object that takes every other column: custom_attributes or metadata


PEOPLE_V1 = ObjectFields(
    known={"id": IDENT, "user_id": IDENT, "email": TEXT, "phone": IDENT, "name": TEXT,
           "signed_up_at": TIME, "remote_created_at": TIME, "last_request_at": TIME,
           "last_seen_ip": TEXT, "last_seen_user_agent": TEXT, "unsubscribed_from_emails": FLAG,
           "update_last_request_at": FLAG, "new_session": FLAG, "companies": COMPANIES,
           "tags": TAGS, "role": ROLE},
    aliases={"external_id": "user_id", "last_seen_at": "last_request_at"},
    read_only=PEOPLE_READ_ONLY | {"avatar", "owner_id"}, extras="custom_attributes")
CONTACTS_V2 = ObjectFields(
    known={"id": IDENT, "external_id": IDENT, "email": TEXT, "phone": IDENT, "name": TEXT,
           "avatar": TEXT, "signed_up_at": TIME, "last_seen_at": TIME, "owner_id": WHOLE,
           "unsubscribed_from_emails": FLAG, "role": ROLE, "companies": COMPANIES, "tags": TAGS},
    aliases={"user_id": "external_id", "last_request_at": "last_seen_at"},
    read_only=PEOPLE_READ_ONLY | {"last_seen_ip", "last_seen_user_agent", "remote_created_at"},
    extras="custom_attributes")
COMPANY_FIELDS = {"company_id": IDENT, "name": TEXT, "remote_created_at": TIME,
                  "monthly_spend": NUMBER, "plan": TEXT, "size": WHOLE, "website": TEXT,
                  "industry": TEXT, "tags": TAGS}
COMPANIES_V1 = ObjectFields(known={**COMPANY_FIELDS, "session_count": WHOLE}, aliases={},
                            read_only=COMPANY_READ_ONLY, extras="custom_attributes")
COMPANIES_V2 = ObjectFields(known=COMPANY_FIELDS, aliases={},
                            read_only=COMPANY_READ_ONLY | {"session_count"}, extras="custom_attributes")
EVENTS = ObjectFields(
    known={"event_name": TEXT, "created_at": TIME, "user_id": IDENT, "email": TEXT, "id": IDENT},
    aliases={"external_id": "user_id", "intercom_user_id": "id"},
    read_only=frozenset({"type"}), extras="metadata")
FIELDS = {(1, "users"): PEOPLE_V1, (1, "leads"): PEOPLE_V1, (1, "companies"): COMPANIES_V1,
          (1, "events"): EVENTS, (2, "users"): CONTACTS_V2, (2, "leads"): CONTACTS_V2,
          (2, "companies"): COMPANIES_V2, (2, "events"): EVENTS}
ROLES = {"users": "user", "leads": "lead"}


@dataclass(frozen=True)
class PeopleRules:
    """How one API generation identifies and writes people (users and leads) and companies."""

    ident_key: str  # the field holding your own id
    one_role_per_object: bool  # 1.x: users and leads are separate objects
    sends_role: bool  # 2.x: one contacts object with a role
    companies_deletable: bool
    memberships_inline: bool  # 1.x: `companies` items (with `remove`) on the person itself
    untags_people_in_batch: bool  # 1.x: `untag` items in POST /tags; 2.x: one DELETE each
    attributes_defined_first: bool  # 2.x refuses a custom attribute it does not know
    merge_path: str  # how a lead becomes part of a user
    leads_tagged_by_id: bool  # 1.x: `POST /tags` finds a lead by its Intercom id only
    bulk_objects: frozenset[str] = frozenset()  # objects written through bulk jobs...
    bulk_since: str = "1.0"  # ...from this version on


RULES = {1: PeopleRules("user_id", one_role_per_object=True, sends_role=False,
                        companies_deletable=False, memberships_inline=True,
                        untags_people_in_batch=True, attributes_defined_first=False,
                        merge_path="/contacts/convert", leads_tagged_by_id=True,
                        bulk_objects=frozenset({"users", "leads", "events"})),
         2: PeopleRules("external_id", one_role_per_object=False, sends_role=True,
                        companies_deletable=True, memberships_inline=False,
                        untags_people_in_batch=False, attributes_defined_first=True,
                        merge_path="/contacts/merge", leads_tagged_by_id=False,
                        bulk_objects=frozenset({"users", "leads", "companies"}),
                        bulk_since="Preview")}


@dataclass
class Item:
    """One input record on its way to Intercom, and what became of it."""

    row: int
    record: dict
    operation: str  # "upsert" or "delete"
    payload: dict = field(default_factory=dict)
    problem: tuple[str, str] | None = None  # (code, message) of an invalid record
    links: dict = field(default_factory=dict)  # companies, tags, merge_email: written after
    answer: dict | None = None  # the object Intercom answered the write with
    status: str | None = None  # accepted, failed, invalid, unchanged, skipped or dry_run
    code: str | None = None
    message: str | None = None
    job_id: str | None = None
    key: str | None = None  # what identifies its object, for the sync store
    digest: str | None = None  # a hash of what it sends


class RecordMapper:
    """Turns the records of one input stream into payloads for its object and API generation."""

    def __init__(self, stream: StreamSettings, generation: int, send_nulls: bool = False,
                 logger: logging.Logger | None = None, merge_leads: bool = False,
                 merge_leads_column: str | None = None) -> None:
        self.stream = stream
        self.merge_leads = merge_leads and stream.object == "users"
        self.merge_leads_column = merge_leads_column
        self.sources: dict[str, str] = {}  # custom attribute -> the column it came from
        self.rules = RULES[generation]
        self.fields = FIELDS[(generation, stream.object)]
        self.send_nulls = send_nulls
        self.logger = logger or logging.getLogger("target-intercom")
        self.left_out: set[str] = set()
        self.finish: Callable[[dict, str], dict] = {
            "users": self._person, "leads": self._person, "companies": self._company,
            "events": self._event}[stream.object]

    def item(self, row: int, record: dict) -> Item:
        """The record's Item: a payload to send, or the problem that keeps it from being sent."""
        operation = "delete" if self.is_delete(record) else "upsert"
        kept = input_record(record)
        try:
            payload = self.finish(self.place(record), operation)
        except Invalid as exc:
            return Item(row, kept, operation, problem=(exc.code, exc.message))
        return Item(row, kept, operation, payload, links=self.links(record, payload, operation))

    def links(self, record: Mapping[str, Any], payload: dict, operation: str) -> dict:
        """What is written after the record itself: memberships, tags and the lead to merge.

        On 1.x a person's companies stay in the payload as well (Intercom takes them there)."""
        links: dict[str, Any] = {}
        if "tags" in payload:
            links["tags"] = payload.pop("tags")
        if "companies" in payload:
            links["companies"] = (payload["companies"] if self.rules.memberships_inline
                                  else payload.pop("companies"))
        if self.merge_leads and operation == "upsert":
            email = (record.get(self.merge_leads_column) if self.merge_leads_column
                     else payload.get("email"))
            if isinstance(email, str) and email:
                links["merge_email"] = email
        return {} if operation == "delete" else links

    def invalid(self, row: int, record: dict, code: str, message: str) -> Item:
        """The Item of a record found invalid before mapping (no key, not matching its SCHEMA)."""
        operation = "delete" if self.is_delete(record) else "upsert"
        return Item(row, input_record(record), operation, problem=(code, message))

    def removal(self, row: int, identifiers: dict) -> Item:
        """The delete (archive) of an object known by the identifiers an earlier run wrote."""
        try:
            payload = self.finish(dict(identifiers), "delete")
        except Invalid as exc:
            return Item(row, dict(identifiers), "delete", problem=(exc.code, exc.message))
        return Item(row, dict(identifiers), "delete", payload)

    def is_delete(self, record: Mapping[str, Any]) -> bool:
        flags = [record.get(DELETE_COLUMN)]
        if self.stream.delete_column:
            flags.append(record.get(self.stream.delete_column))
        return any(truthy(flag) for flag in flags)

    def place(self, record: Mapping[str, Any]) -> dict:
        """Known fields where Intercom expects them; other columns under custom_attributes/metadata."""
        known, extras_key = self.fields.known, self.fields.extras
        placed: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for column, raw in record.items():
            if column.startswith("_sdc_") or column in (self.stream.delete_column,
                                                          self.merge_leads_column):
                continue
            name = self.stream.columns.get(column, column)
            value = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else raw
            if name == extras_key:
                if value is not None and not isinstance(value, dict):
                    raise Invalid("parameter_invalid", f"{column} must be an object")
                extras.update(value or {})
                continue
            if name.startswith(extras_key + "."):
                extras[name.split(".", 1)[1]] = value
                self.sources[name.split(".", 1)[1]] = column
                continue
            canonical = name if name in known else self.fields.aliases.get(name)
            if canonical is not None:
                if canonical != name and canonical in record:
                    continue  # the column with the field's own name wins over an alias
                if value is not None or (self.send_nulls and canonical not in IDENTIFIERS):
                    placed[canonical] = convert(known[canonical], value, column)
            elif name in self.fields.read_only:
                self._leave_out(column, "an Intercom field that cannot be written")
            elif self.stream.custom_attributes is None or name in self.stream.custom_attributes \
                    or column in self.stream.custom_attributes:
                extras[name] = value
                self.sources[name] = column
            else:
                self._leave_out(column, f"not listed in custom_attributes of {self.stream.name}")
        check_value = metadata_value if extras_key == "metadata" else attribute_value
        extras = {key: check_value(key, value) for key, value in extras.items()
                  if value is not None or self.send_nulls}
        if extras:
            placed[extras_key] = extras
        return placed

    def _leave_out(self, column: str, reason: str) -> None:
        if column not in self.left_out:
            self.left_out.add(column)
            self.logger.warning("%s: column %r is left out: %s", self.stream.name, column, reason)

    # -- per object: identifiers, operations and the final payload ----------------------------

    def _person(self, payload: dict, operation: str) -> dict:
        role = payload.pop("role", None) or ROLES[self.stream.object]
        own = ROLES[self.stream.object]
        rules = self.rules
        if rules.one_role_per_object and role != own:
            raise Invalid("parameter_invalid", f"role {role!r} cannot be written to "
                          f"{self.stream.object} on API 1.x: map this stream to {role}s")
        identifiers = {k: payload[k] for k in ("id", rules.ident_key, "email") if payload.get(k)}
        if not identifiers:
            raise Invalid("parameter_not_found", f"{rules.ident_key} or email required")
        if rules.one_role_per_object and own == "lead" and operation == "upsert" \
                and not (payload.get("id") or payload.get(rules.ident_key)):
            raise Invalid("parameter_not_found", "user_id or id required: on API 1.x a lead "
                          "without one is created again on every run")
        if rules.sends_role:
            payload["role"] = role
            identifiers["role"] = role
        return identifiers if operation == "delete" else payload

    def _company(self, payload: dict, operation: str) -> dict:
        if not payload.get("company_id"):
            raise Invalid("parameter_not_found", "company_id required")
        if operation == "delete":
            if not self.rules.companies_deletable:
                raise Invalid("unsupported", "companies cannot be deleted on API 1.x")
            return {"company_id": payload["company_id"]}
        return payload

    def _event(self, payload: dict, operation: str) -> dict:
        if operation == "delete":
            raise Invalid("unsupported", "events cannot be deleted")
        for key in ("event_name", "created_at"):
            if payload.get(key) in (None, ""):
                raise Invalid("parameter_not_found", f"{key} required")
        if not any(payload.get(k) for k in ("user_id", "email", "id")):
            raise Invalid("parameter_not_found", "user_id, email or id required")
        metadata = payload.get("metadata") or {}
        if len(metadata) > MAX_METADATA_KEYS:
            raise Invalid("parameter_invalid", f"metadata has {len(metadata)} keys; Intercom keeps "
                          f"at most {MAX_METADATA_KEYS}")
        return payload


# -- values ---------------------------------------------------------------------------------------

def convert(kind: str, value: Any, column: str) -> Any:
    """A value as Intercom expects it for a field kind; Invalid when it cannot be."""
    if value is None:
        return None
    if kind == TIME:
        return unix_seconds(value, column)
    if kind == IDENT:
        if isinstance(value, str):
            return value
        number: float | None = whole(value)
        if number is None:
            raise Invalid("parameter_invalid", f"{column} must be a string or an integer")
        return str(number)
    if kind in (TEXT, ROLE):
        if not isinstance(value, str):
            raise Invalid("parameter_invalid", f"{column} must be a string")
        if kind == ROLE and value not in ("user", "lead"):
            raise Invalid("parameter_invalid", f"{column} must be user or lead")
        return value
    if kind == FLAG:
        if not isinstance(value, bool):
            raise Invalid("parameter_invalid", f"{column} must be true or false")
        return value
    if kind == NUMBER:
        number = plain_number(value)
        if number is None:
            raise Invalid("parameter_invalid", f"{column} must be a number")
        return number
    if kind == WHOLE:
        number = whole(value)
        if number is None:
            raise Invalid("parameter_invalid", f"{column} must be an integer")
        return number
    if kind == COMPANIES:
        return company_list(value, column)
    if kind == TAGS:
        return tag_names(value, column)
    raise ValueError(f"unknown field kind {kind}")


def unix_seconds(value: Any, column: str) -> int:
    """Unix seconds from an integer, a datetime or date, or an RFC 3339 / numeric string."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return int(moment.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime.combine(value, dt.time(), dt.UTC).timestamp())
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        try:
            return unix_seconds(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), column)
        except ValueError:
            raise Invalid("parameter_invalid", f"{column} must be a timestamp (Unix seconds or "
                          f"RFC 3339), not {value!r}") from None
    number = plain_number(value)
    if number is None:
        raise Invalid("parameter_invalid", f"{column} must be a timestamp, not {value!r}")
    return int(number)


def plain_number(value: Any) -> int | float | None:
    """An int or float from a JSON number (Decimal included); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and isinstance(value, Decimal) else number
    return None


def whole(value: Any) -> int | None:
    number = plain_number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return int(number)


def attribute_value(name: str, value: Any, date_suffix: str = "_at") -> Any:
    """A custom attribute value: string, number, boolean or null. Dates become Unix seconds, and so
    do RFC 3339 strings under names ending in `_at` (Intercom's mark of a date attribute)."""
    if isinstance(value, str) and name.endswith(date_suffix) and not value.strip().isdigit():
        return unix_seconds(value, name)
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, dt.date):
        return unix_seconds(value, name)
    number = plain_number(value)
    if number is None:
        raise Invalid("parameter_invalid", f"custom attribute {name!r} must be a string, number "
                      f"or boolean, not {type(value).__name__}")
    return number


def metadata_value(name: str, value: Any) -> Any:
    """Event metadata: scalars, rich links and monetary amounts; dates (and RFC 3339 strings under
    keys ending in `_date`) as Unix seconds."""
    if isinstance(value, dict):
        if set(value) <= {"url", "value"} or set(value) <= {"amount", "currency"}:
            return {k: attribute_value(f"{name}.{k}", v) for k, v in value.items()}
        raise Invalid("parameter_invalid", f"metadata {name!r} cannot be nested JSON (only "
                      "{url, value} links and {amount, currency} amounts)")
    if isinstance(value, str) and name.endswith("_date"):
        return unix_seconds(value, f"metadata {name}")
    try:
        return attribute_value(name, value, date_suffix="_date")
    except Invalid:
        raise Invalid("parameter_invalid", f"metadata {name!r} must be a string, number, boolean, "
                      f"link or amount, not {type(value).__name__}") from None


def tag_names(value: Any, column: str) -> list[str]:
    """Tag names: a list of non-empty strings, each once."""
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise Invalid("parameter_invalid", f"{column} must be a list of tag names")
    return list(dict.fromkeys(t.strip() for t in value))


def company_list(value: Any, column: str) -> list[dict]:
    """A person's companies: a list of company ids, or of objects with company_id (or id) and
    the company's fields."""
    if not isinstance(value, list) or not all(isinstance(c, dict | str | int) for c in value):
        raise Invalid("parameter_invalid", f"{column} must be a list of company ids or objects")
    companies = []
    for entry in value:
        company = entry if isinstance(entry, dict) else {"company_id": entry}
        if not (company.get("company_id") or company.get("id")):
            raise Invalid("parameter_not_found", f"{column}: each company needs company_id")
        converted = {k: v for k, v in company.items() if v is not None}
        if "company_id" in converted:
            converted["company_id"] = convert(IDENT, converted["company_id"], f"{column}.company_id")
        if isinstance(converted.get("custom_attributes"), dict):
            converted["custom_attributes"] = {
                k: attribute_value(k, v) for k, v in converted["custom_attributes"].items()}
        for key in ("remote_created_at",):
            if key in converted:
                converted[key] = unix_seconds(converted[key], f"{column}.{key}")
        companies.append(converted)
    return companies


def truthy(flag: Any) -> bool:
    """Whether a delete flag is set: a timestamp, true, or a non-false word or number."""
    if flag is None or flag is False:
        return False
    if isinstance(flag, str):
        return flag.strip().lower() not in FALSE_WORDS
    if isinstance(flag, int | float | Decimal):
        return flag != 0
    return True


def input_record(record: Mapping[str, Any]) -> dict:
    """The record as the tap sent it, without the metadata singer-sdk adds."""
    return {k: v for k, v in record.items()
            if k not in SDK_METADATA and not (k == DELETE_COLUMN and v is None)}
