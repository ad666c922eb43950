"""Fault injection rules: which requests fail and how, deterministic for a seed."""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass, field

import orjson

from intercom_sandbox.model.errors import invalid

KINDS = ("500", "502", "503", "429", "403", "404", "slow", "drop", "truncate", "nonjson", "empty",
         "scroll_restart")


@dataclass
class FaultRule:
    """Fail requests whose path matches `route` (glob) with probability `rate`."""

    kind: str
    rate: float = 1.0
    route: str = "*"
    method: str | None = None
    after: int = 0
    times: int | None = None
    delay_s: float = 30.0
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "rate": self.rate, "route": self.route, "method": self.method,
                "after": self.after, "times": self.times, "delay_s": self.delay_s,
                "seen": self.seen, "fired": self.fired}


def parse_rule(spec: dict | str) -> FaultRule:
    """A rule from a dict or the short form `kind[:rate][@[METHOD ]route]`."""
    if isinstance(spec, str):
        text = spec.strip()
        route, method = "*", None
        if "@" in text:
            text, route = text.split("@", 1)
            if " " in route.strip():
                method, route = route.strip().split(" ", 1)
        kind, _, rate = text.partition(":")
        spec = {"kind": kind, "route": route.strip() or "*", "method": method}
        if rate:
            try:
                spec["rate"] = float(rate)
            except ValueError:
                raise invalid(f"fault rate {rate!r} is not a number") from None
    if not isinstance(spec, dict):
        raise invalid("a fault rule is an object or a string like '503:0.1@/contacts*'")
    allowed = {"kind", "rate", "route", "method", "after", "times", "delay_s"}
    unknown = set(spec) - allowed
    if unknown:
        raise invalid(f"unknown fault field {sorted(unknown)[0]!r}")
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise invalid(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
    return FaultRule(kind=kind, **{k: _checked(k, v) for k, v in spec.items()
                                   if k != "kind" and v is not None})


def _checked(name: str, value: object) -> object:
    """A rule field's value, refused with a clear message when its type or range is wrong."""
    if name in ("route", "method"):
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"fault {name} must be a non-empty string")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"fault {name} must be a number, not {value!r}")
    if name == "rate":
        if not 0 <= value <= 1:
            raise invalid("fault rate must be between 0 and 1")
        return float(value)
    whole = name in ("after", "times")
    if not value >= 0 or (whole and not float(value).is_integer()):
        raise invalid(f"fault {name} must be a {'whole number' if whole else 'number'} >= 0")
    return int(value) if whole else float(value)


def parse_rules(text: str | list | None) -> list[dict]:
    """Rules from JSON (a list of objects) or comma-separated short forms, as plain dicts."""
    if not text:
        return []
    if isinstance(text, str) and text.strip().startswith("["):
        try:
            text = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise invalid(f"faults are not valid JSON: {exc}") from None
    items = text.split(",") if isinstance(text, str) else text
    return [{k: v for k, v in parse_rule(item).as_dict().items() if k not in ("seen", "fired")}
            for item in items if not isinstance(item, str) or item.strip()]


class FaultPlan:
    """The active rules; each has its own random stream seeded from the sandbox seed."""

    def __init__(self, seed: int, specs: list[dict]) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self.replace(specs)

    def replace(self, specs: list[dict | str]) -> None:
        rules = [parse_rule(spec) for spec in specs]
        for index, rule in enumerate(rules):
            rule.rng = random.Random(f"{self.seed}:{index}:{rule.kind}:{rule.route}")
        self.rules = rules

    def pick(self, method: str, path: str, is_scroll_page: bool) -> FaultRule | None:
        """The first rule that fires for this request, if any."""
        for rule in self.rules:
            if rule.method and rule.method.upper() != method:
                continue
            if not fnmatch.fnmatchcase(path, rule.route):
                continue
            if rule.kind == "scroll_restart" and not is_scroll_page:
                continue
            rule.seen += 1
            if rule.seen <= rule.after or (rule.times is not None and rule.fired >= rule.times):
                continue
            if rule.rng.random() < rule.rate:
                rule.fired += 1
                return rule
        return None
