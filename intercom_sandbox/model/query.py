"""Search queries of the 2.x API: nested AND/OR groups, every operator, day-granular dates."""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from intercom_sandbox.model.derived import conversation_statistics, teammate_ids
from intercom_sandbox.model.errors import invalid

Predicate = Callable[[dict], bool]
STRING_OPS = {"~", "!~", "^", "$"}
ORDER_OPS = {">", "<", ">=", "<="}
ALL_OPS = {"=", "!=", "IN", "NIN"} | STRING_OPS | ORDER_OPS
MAX_FILTERS_PER_GROUP = 15
MAX_GROUP_DEPTH = 2


@dataclass(frozen=True)
class Field:
    """A searchable field: how to read it from a record and its Intercom type."""

    getter: Callable[[dict], Any]
    kind: str  # string, integer, boolean, date, or list (of strings)


def _path(*keys: str) -> Callable[[dict], Any]:
    def get(record: dict) -> Any:
        value: Any = record
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value
    return get


CONTACT_FIELDS: dict[str, Field] = {
    **{name: Field(_path(name), "string") for name in (
        "id", "role", "name", "avatar", "phone", "external_id", "language_override", "browser",
        "browser_language", "os", "email")},
    "email_domain": Field(lambda r: r["email"].rsplit("@", 1)[-1] if r.get("email") else None,
                          "string"),
    "owner_id": Field(_path("owner_id"), "integer"),
    **{name: Field(_path(name), "date") for name in (
        "created_at", "signed_up_at", "updated_at", "last_seen_at", "last_contacted_at",
        "last_replied_at", "last_email_opened_at", "last_email_clicked_at",
        "ios_last_seen_at", "android_last_seen_at")},
    **{f"location.{k}": Field(_path("location", k), "string")
       for k in ("country", "region", "city")},
    **{name: Field(_path(name), "boolean") for name in (
        "unsubscribed_from_emails", "marked_email_as_spam", "has_hard_bounced")},
    **{name: Field(_path(name), "string") for name in (
        "ios_app_version", "ios_device", "ios_app_device", "ios_os_version", "ios_app_name",
        "ios_sdk_version", "android_app_version", "android_device", "android_app_name",
        "android_sdk_version")},
    "segment_id": Field(_path("segment_ids"), "list"),
    "tag_id": Field(_path("tag_ids"), "list"),
    "company_id": Field(_path("company_ids"), "list"),
}

STAT_DATES = ("first_contact_reply_at", "first_assignment_at", "first_admin_reply_at",
              "first_close_at", "last_assignment_at", "last_assignment_admin_reply_at",
              "last_contact_reply_at", "last_admin_reply_at", "last_close_at")
STAT_INTS = ("time_to_assignment", "time_to_admin_reply", "time_to_first_close",
             "time_to_last_close", "median_time_to_reply", "count_reopens",
             "count_assignments", "count_conversation_parts")


def _stat(key: str) -> Callable[[dict], Any]:
    return lambda r: conversation_statistics(r).get(key)


CONVERSATION_FIELDS: dict[str, Field] = {
    "id": Field(_path("id"), "string"),
    "created_at": Field(_path("created_at"), "date"),
    "updated_at": Field(_path("updated_at"), "date"),
    "waiting_since": Field(_path("waiting_since"), "date"),
    "snoozed_until": Field(_path("snoozed_until"), "date"),
    **{f"source.{k}": Field(_path("source", k), "string")
       for k in ("type", "id", "delivered_as", "subject", "url")},
    "source.body": Field(lambda r: (r["source"].get("body") or "").replace("<p>", " ")
                         .replace("</p>", " ").split(), "list"),
    **{f"source.author.{k}": Field(_path("source", "author", k), "string")
       for k in ("id", "type", "name", "email")},
    "contact_ids": Field(_path("contact_ids"), "list"),
    "teammate_ids": Field(teammate_ids, "list"),
    "tag_ids": Field(lambda r: [t["id"] for t in r["tags"]], "list"),
    "admin_assignee_id": Field(_path("admin_assignee_id"), "integer"),
    "team_assignee_id": Field(_path("team_assignee_id"), "integer"),
    "channel_initiated": Field(_path("source", "delivered_as"), "string"),
    "open": Field(_path("open"), "boolean"),
    "read": Field(_path("read"), "boolean"),
    "state": Field(_path("state"), "string"),
    "priority": Field(_path("priority"), "string"),
    **{f"statistics.{k}": Field(_stat(k), "date") for k in STAT_DATES},
    **{f"statistics.{k}": Field(_stat(k), "integer") for k in STAT_INTS},
    "statistics.last_closed_by_id": Field(_stat("last_closed_by_id"), "string"),
    "conversation_rating.score": Field(_path("rating", "rating"), "integer"),
    "conversation_rating.remark": Field(_path("rating", "remark"), "string"),
    "conversation_rating.contact_id": Field(_path("rating", "contact_id"), "string"),
    "conversation_rating.admin_id": Field(_path("rating", "teammate_id"), "string"),
    "conversation_rating.replied_at": Field(_path("rating", "created_at"), "date"),
    "ai_agent_participated": Field(lambda r: False, "boolean"),
}


class QueryCompiler:
    """Turns a search `query` object into a predicate over workspace records."""

    def __init__(self, fields: Callable[[str], Field | None], timezone: str) -> None:
        self.fields = fields
        self.tz = ZoneInfo(timezone)

    def compile(self, node: Any, depth: int = 0) -> Predicate:
        if not isinstance(node, dict):
            raise invalid("query must be an object", field="query")
        if node.get("operator") in ("AND", "OR") and "field" not in node:
            if depth >= MAX_GROUP_DEPTH:
                raise invalid(f"queries allow at most {MAX_GROUP_DEPTH} levels of nesting",
                              field="query")
            children = node.get("value")
            if not isinstance(children, list) or not children:
                raise invalid("an AND/OR group needs a list of filters", field="query")
            if len(children) > MAX_FILTERS_PER_GROUP:
                raise invalid(f"at most {MAX_FILTERS_PER_GROUP} filters per AND/OR group",
                              field="query")
            preds = [self.compile(child, depth + 1) for child in children]
            if node["operator"] == "AND":
                return lambda r: all(p(r) for p in preds)
            return lambda r: any(p(r) for p in preds)
        return self.compile_filter(node)

    def compile_filter(self, node: dict) -> Predicate:
        name, op, value = node.get("field"), node.get("operator"), node.get("value")
        if not isinstance(name, str):
            raise invalid("each filter needs a field", field="query")
        field = self.fields(name)
        if field is None:
            raise invalid(f"{name} is not a searchable field", field=name)
        if op not in ALL_OPS:
            raise invalid(f"operator {op!r} is not supported", field=name)
        get, kind = field.getter, field.kind
        if kind == "date":
            return self._date_filter(name, get, op, value)
        if op in ("IN", "NIN"):
            if not isinstance(value, list):
                raise invalid(f"{op} needs an array value", field=name)
            wanted = {self._coerce(name, kind, item) for item in value}
            hit = (lambda r: bool(wanted.intersection(get(r) or ()))) if kind == "list" \
                else (lambda r: get(r) in wanted)
            return hit if op == "IN" else (lambda r: not hit(r))
        if op in ORDER_OPS and kind == "string" and is_id_field(name):
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise invalid(f"value for {name} must be of type string", field=name)
            return _ordered(lambda r: id_order(get(r)), op, id_order(value))
        value = self._coerce(name, kind, value)
        if op in ORDER_OPS:
            if kind not in ("integer", "number"):
                raise invalid(f"operator {op} needs an integer field; {name} is {kind}",
                              field=name)
            return _ordered(get, op, value)
        if op in STRING_OPS:
            if kind not in ("string", "list"):
                raise invalid(f"operator {op} needs a string field; {name} is {kind}", field=name)
            return _string_filter(get, op, str(value), kind == "list")
        if kind == "list":
            has = lambda r: value in (get(r) or ())  # noqa: E731
            return has if op == "=" else (lambda r: not has(r))
        return (lambda r: get(r) == value) if op == "=" else (lambda r: get(r) != value)

    def _coerce(self, name: str, kind: str, value: Any) -> Any:
        """A filter value of the field's type; numbers may come as numeric strings or floats."""
        if kind in ("integer", "number") and not isinstance(value, bool):
            number = as_number(value)
            if number is not None:
                value = number if kind == "number" or number != int(number) else int(number)
        self._check_type(name, kind, value)
        return value

    def _check_type(self, name: str, kind: str, value: Any) -> None:
        ok = (value is None or (kind in ("string", "list") and isinstance(value, str))
              or (kind == "integer" and isinstance(value, int) and not isinstance(value, bool))
              or (kind == "number" and isinstance(value, int | float)
                  and not isinstance(value, bool))
              or (kind == "boolean" and isinstance(value, bool)))
        if not ok:
            raise invalid(f"value for {name} must be of type {kind}", field=name)

    def _date_filter(self, name: str, get: Callable, op: str, value: Any) -> Predicate:
        if op not in ("=", ">", "<"):
            raise invalid(f"operator {op} is not supported on date field {name}", field=name)
        timestamp = as_timestamp(value)
        if timestamp is None:
            raise invalid(f"value for {name} must be a Unix timestamp", field=name)
        start, end = self.day_bounds(timestamp)
        if op == "=":
            return lambda r: (v := get(r)) is not None and start <= v < end
        if op == ">":
            return lambda r: (v := get(r)) is not None and v >= end
        return lambda r: (v := get(r)) is not None and v < start

    def date_range(self, node: Any) -> Range | None:
        """The narrowest range of one date field that an AND query implies, for the index."""
        terms = node.get("value") if node.get("operator") == "AND" and "field" not in node \
            else [node]
        found: dict[str, tuple[float, float]] = {}
        for term in terms if isinstance(terms, list) else []:
            part = self._term_range(term)
            if part:
                name, lo, hi = part
                old_lo, old_hi = found.get(name, (-math.inf, math.inf))
                found[name] = (max(lo, old_lo), min(hi, old_hi))
        if not found:
            return None
        name = "updated_at" if "updated_at" in found else sorted(found)[0]
        field = self.fields(name)
        return Range(name, field.getter, *found[name]) if field else None

    def _term_range(self, term: Any) -> tuple[str, float, float] | None:
        """A date leaf, or an OR of date leaves on one field that join into one range."""
        if not isinstance(term, dict):
            return None
        if "field" in term:
            field = self.fields(term["field"]) if isinstance(term["field"], str) else None
            value = as_timestamp(term.get("value"))
            if field is None or field.kind != "date" or value is None \
                    or term.get("operator") not in ("=", ">", "<"):
                return None
            start, end = self.day_bounds(value)
            lo, hi = {"=": (start, end), ">": (end, math.inf), "<": (-math.inf, start)}[
                term["operator"]]
            return term["field"], lo, hi
        if term.get("operator") != "OR" or not isinstance(term.get("value"), list):
            return None
        parts = [self._term_range(child) for child in term["value"]]
        if not parts or any(p is None for p in parts) or len({p[0] for p in parts}) != 1:
            return None
        parts.sort(key=lambda p: p[1])
        name, lo, hi = parts[0]
        for _, next_lo, next_hi in parts[1:]:
            if next_lo > hi:
                return None  # a gap: not one range
            hi = max(hi, next_hi)
        return name, lo, hi

    def day_bounds(self, timestamp: int) -> tuple[int, int]:
        """Start of the timestamp's calendar day in the workspace zone, and of the next day."""
        day = dt.datetime.fromtimestamp(timestamp, self.tz).date()
        start = dt.datetime.combine(day, dt.time(), self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz)
        return int(start.timestamp()), int(end.timestamp())


def as_number(value: Any) -> int | float | None:
    """A JSON number, or a numeric string such as "1306054154" or "2.5"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() \
            else number
    return None


def as_timestamp(value: Any) -> int | None:
    """Unix seconds from an integer, a float or a numeric string (fractions dropped)."""
    number = as_number(value)
    return None if number is None else math.floor(number)


def is_id_field(name: str) -> bool:
    """Fields holding object ids, which take ordering operators like Intercom's cursors do."""
    return name == "id" or name.endswith(".id") or name.endswith("_id")


def id_order(value: Any) -> str | None:
    """A key that orders ids as Intercom does: numeric ids numerically, others as text."""
    if value is None:
        return None
    text = str(value)
    return f"{len(text):04d}:{text}"


def _ordered(get: Callable, op: str, value: Any) -> Predicate:
    compare = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}[op]
    return lambda r: (v := get(r)) is not None and compare(v, value)


def _string_filter(get: Callable, op: str, value: str, is_list: bool) -> Predicate:
    test = {"~": lambda s: value in s, "!~": lambda s: value not in s,
            "^": lambda s: s.startswith(value), "$": lambda s: s.endswith(value)}[op]
    if is_list:
        if op == "!~":
            return lambda r: all(test(s) for s in (get(r) or ()))
        return lambda r: any(test(s) for s in (get(r) or ()))
    if op == "!~":
        return lambda r: (v := get(r)) is None or test(v)
    return lambda r: (v := get(r)) is not None and test(v)


def sort_key(value: Any, seq: int) -> tuple:
    """A total order over mixed values: nulls first, then numbers, then strings; seq breaks ties."""
    if value is None:
        return (0, 0, 0, seq)
    if isinstance(value, bool | int | float):
        return (1, 0, value, seq)
    return (1, 1, str(value), seq)


def encode_cursor(key: tuple, page: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([page, *key])).decode()


def decode_cursor(cursor: str) -> tuple[tuple, int]:
    try:
        page, *key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if len(key) != 4 or not isinstance(page, int):
            raise ValueError
        return tuple(key), page
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise invalid("starting_after is not a valid cursor", field="starting_after") from None


@dataclass(frozen=True)
class Range:
    """Records whose date field lies in [low, high): what an index can narrow a search to."""

    name: str
    getter: Callable[[dict], Any]
    low: float
    high: float


@dataclass
class ResultSet:
    """Matching records sorted ascending by key, valid for one data version."""

    version: int
    keys: list[tuple]
    records: list[dict]


class SearchEngine:
    """Sorted result sets of queries, cached per data version, paged by keyset or offset."""

    def __init__(self) -> None:
        self.cache: dict[tuple, ResultSet] = {}
        self.indexes: dict[tuple, tuple[int, list, list[dict]]] = {}

    def result(self, version: int, records: Callable[[], list[dict]], predicate: Predicate,
               cache_key: tuple, sort_getter: Callable[[dict], Any] | None,
               narrow: Range | None = None) -> ResultSet:
        """Matching records sorted ascending by (sort value, creation order).

        With `narrow`, only records in that date range are tested, found through a sorted index
        of the field (as Intercom's own search is indexed), so range queries stay cheap.
        """
        result = self.cache.get(cache_key)
        if result is None or result.version != version:
            candidates = self._in_range(version, records, narrow) if narrow else records()
            rows = [r for r in candidates if predicate(r)]
            if sort_getter is None:  # creation order, which `records` already has
                result = ResultSet(version, [(1, 0, r["seq"], r["seq"]) for r in rows], rows)
            else:
                keyed = sorted(((sort_key(sort_getter(r), r["seq"]), r) for r in rows),
                               key=lambda pair: pair[0])
                result = ResultSet(version, [k for k, _ in keyed], [r for _, r in keyed])
            if len(self.cache) > 256:
                self.cache.clear()
            self.cache[cache_key] = result
        return result

    def _in_range(self, version: int, records: Callable[[], list[dict]], narrow: Range
                  ) -> list[dict]:
        owner = getattr(records, "__self__", records)
        key = ("index", id(owner), getattr(records, "__name__", ""), narrow.name)
        index = self.indexes.get(key)
        if index is None or index[0] != version:
            keyed = sorted(((v, r["seq"], r) for r in records()
                            if (v := narrow.getter(r)) is not None), key=lambda e: (e[0], e[1]))
            index = self.indexes[key] = (version, [e[0] for e in keyed], [e[2] for e in keyed])
        _, values, rows = index
        start = bisect.bisect_left(values, narrow.low) if narrow.low != -math.inf else 0
        end = bisect.bisect_left(values, narrow.high) if narrow.high != math.inf else len(values)
        found = rows[start:end]
        found.sort(key=lambda r: r["seq"])  # creation order, as `records` gives
        return found


def keyset_page(result: ResultSet, descending: bool, per_page: int, cursor: str | None
                ) -> tuple[list[dict], str | None, int]:
    """The page after a cursor: its records, the next cursor (None at the end), its number."""
    keys, rows = result.keys, result.records
    page_no = 1
    after: tuple = ()
    if cursor:
        after, page_no = decode_cursor(cursor)
        page_no += 1
    if descending:
        end = bisect.bisect_left(keys, after) if cursor else len(keys)
        start = max(0, end - per_page)
        chosen = list(reversed(rows[start:end]))
        last_key = keys[start] if chosen else None
        more = start > 0
    else:
        start = bisect.bisect_right(keys, after) if cursor else 0
        chosen = rows[start:start + per_page]
        last_key = keys[start + len(chosen) - 1] if chosen else None
        more = start + len(chosen) < len(keys)
    next_cursor = encode_cursor(last_key, page_no) if more and last_key else None
    return chosen, next_cursor, page_no


def offset_page(result: ResultSet, descending: bool, offset: int, per_page: int) -> list[dict]:
    """Records at an offset of the sorted result, in either direction."""
    rows = result.records
    if not descending:
        return rows[offset:offset + per_page]
    end = max(0, len(rows) - offset)
    return list(reversed(rows[max(0, end - per_page):end]))
