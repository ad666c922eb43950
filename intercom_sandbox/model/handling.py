"""Statistics that API 2.16 adds to a conversation: handling times and team response times."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from intercom_sandbox.model.derived import conversation_statistics

IDLE_CAP_S = 1800  # adjusted handling time counts at most 30 minutes between teammate actions


def office_seconds(start: int, end: int, schedule: dict) -> int:
    """Seconds between two instants that fall within a weekly office hours schedule."""
    if end <= start:
        return 0
    if schedule["twenty_four_seven"]:
        return end - start
    zone = ZoneInfo(schedule["time_zone_name"])
    day = dt.datetime.fromtimestamp(start, zone).date()
    last = dt.datetime.fromtimestamp(end, zone).date()
    total = 0
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(), zone)
        week_minute = day.weekday() * 1440
        for interval in schedule["time_intervals"]:
            open_minute = interval["start_minute"] - week_minute
            close_minute = interval["end_minute"] - week_minute
            if close_minute <= 0 or open_minute >= 1440:
                continue
            opens = int((midnight + dt.timedelta(minutes=max(open_minute, 0))).timestamp())
            closes = int((midnight + dt.timedelta(minutes=min(close_minute, 1440))).timestamp())
            total += max(0, min(end, closes) - max(start, opens))
        day += dt.timedelta(days=1)
    return total


def statistics_2_16(conversation: dict, team_name: str | None, schedule: dict | None) -> dict:
    """The 2.16 fields: handling times (assignment to last close) and the assigned team's
    first response time, in calendar time and within office hours."""
    stats = conversation_statistics(conversation)
    out: dict = {"assigned_team_first_response_time": [],
                 "assigned_team_first_response_time_in_office_hours": []}
    assigned, closed = stats.get("first_assignment_at"), stats.get("last_close_at")
    if assigned is not None and closed is not None and closed >= assigned:
        out["handling_time"] = closed - assigned
        moments = sorted({assigned, closed, *(p["created_at"] for p in conversation["parts"]
                                              if p["author"]["type"] == "admin"
                                              and assigned <= p["created_at"] <= closed)})
        out["adjusted_handling_time"] = sum(min(b - a, IDLE_CAP_S)
                                            for a, b in itertools.pairwise(moments))
    team = conversation.get("team_assignee_id")
    replied = stats.get("first_admin_reply_at")
    if team is not None and replied is not None:
        created = conversation["created_at"]
        entry = {"team_id": int(team), "team_name": team_name or "Unassigned"}
        out["assigned_team_first_response_time"] = [{**entry, "response_time": replied - created}]
        if schedule is not None:
            out["assigned_team_first_response_time_in_office_hours"] = [
                {**entry, "response_time": office_seconds(created, replied, schedule)}]
    return out
