"""Admins, teams and the admins' activity log, with tags and segments: lookups by id."""

from __future__ import annotations

from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import not_found


class TeammateOperations:
    """Lookups of the workspace's teammates and labels (a part of `Workspace`)."""

    admins: Collection
    teams: Collection
    tags: Collection
    segments: Collection
    activity_logs: Collection

    def admin(self, admin_id: str) -> dict:
        record = self.admins.get(admin_id)
        if record is None:
            raise not_found("Admin Not Found", code="admin_not_found")
        return record

    def team(self, team_id: str) -> dict:
        record = self.teams.get(team_id)
        if record is None:
            raise not_found("Team Not Found", code="team_not_found")
        return record

    def tag(self, tag_id: str) -> dict:
        record = self.tags.get(tag_id)
        if record is None:
            raise not_found("Resource Not Found")
        return record

    def segment(self, segment_id: str) -> dict:
        record = self.segments.get(segment_id)
        if record is None:
            raise not_found("Resource Not Found")
        return record

    def person_segments(self) -> list[dict]:
        """Segments of users and leads: those 2.x `/segments` lists."""
        return [s for s in self.segments.ordered() if s["kind"] == "user"]
