"""Conversations as versions described by 2.16 answer them: 2.11's shape plus 2.16 statistics."""

from __future__ import annotations

from intercom_sandbox.model.handling import statistics_2_16
from intercom_sandbox.model.workspace import Workspace
from intercom_sandbox.render import v2


def conversation_2_16(ws: Workspace, r: dict, with_parts: bool = False) -> dict:
    body = v2.conversation(ws, r, with_parts=with_parts)
    team = ws.teams.get(str(r["team_assignee_id"])) if r["team_assignee_id"] is not None \
        else None
    schedules = ws.office_hours_schedules.ordered()
    body["statistics"].update(statistics_2_16(r, team["name"] if team else None,
                                              schedules[0] if schedules else None))
    return body
