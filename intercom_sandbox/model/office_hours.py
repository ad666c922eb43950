"""The workspace's office hours schedules (API 2.16)."""

from __future__ import annotations

from intercom_sandbox.config import SandboxConfig

WEEK_MINUTES = 7 * 24 * 60


def office_hours_schedules(config: SandboxConfig) -> list[dict]:
    """Weekday support hours in the workspace's zone, and a 24/7 schedule; no random draws."""
    weekdays = [{"start_minute": day * 1440 + 540, "end_minute": day * 1440 + 1050,
                 "day_of_week": day} for day in range(5)]
    created = config.anchor - 86400 * 300
    return [
        {"id": "4100", "seq": 0, "name": "Standard support hours",
         "time_zone_name": config.timezone, "time_intervals": weekdays,
         "twenty_four_seven": False, "created_at": created, "updated_at": created + 86400 * 90},
        {"id": "4101", "seq": 1, "name": "Priority support",
         "time_zone_name": "UTC", "time_intervals": [
             {"start_minute": 0, "end_minute": WEEK_MINUTES, "day_of_week": 0}],
         "twenty_four_seven": True, "created_at": created + 86400, "updated_at": created + 86400},
    ]
