"""Help centers, collections and articles as 2.x answers them."""

from __future__ import annotations

from intercom_sandbox.model.workspace import Workspace

BASE_URL = "https://help.example.com"


def help_center(ws: Workspace, r: dict) -> dict:
    return {"id": r["id"], "workspace_id": ws.config.app_id, "created_at": r["created_at"],
            "updated_at": r["updated_at"], "identifier": r["identifier"],
            "website_turned_on": r["website_turned_on"], "display_name": r["display_name"],
            "url": f"{BASE_URL}/{r['identifier']}", "custom_domain": r["custom_domain"]}


def collection(ws: Workspace, r: dict) -> dict:
    return {"id": r["id"], "workspace_id": ws.config.app_id, "name": r["name"],
            "description": r["description"], "created_at": r["created_at"],
            "updated_at": r["updated_at"], "url": f"{BASE_URL}/en/collections/{r['id']}",
            "icon": r["icon"], "order": r["order"], "default_locale": "en",
            "translated_content": {"type": "group_translated_content", "en": {
                "type": "group_content", "name": r["name"],
                "description": r["description"] or ""}},
            "parent_id": r["parent_id"],
            "help_center_id": int(r["help_center_id"]) if r["help_center_id"] else None}


def article(ws: Workspace, r: dict) -> dict:
    url = f"{BASE_URL}/en/articles/{r['id']}" if r["state"] == "published" else None
    content = {"type": "article_content", "title": r["title"],
               "description": r["description"] or "", "body": r["body"],
               "author_id": int(r["author_id"]), "state": r["state"],
               "created_at": r["created_at"], "updated_at": r["updated_at"], "url": url or ""}
    parents = [r["parent_id"]] if r["parent_id"] else []
    return {"type": "article", "id": r["id"], "workspace_id": ws.config.app_id,
            "title": r["title"], "description": r["description"], "body": r["body"],
            "author_id": int(r["author_id"]), "state": r["state"],
            "created_at": r["created_at"], "updated_at": r["updated_at"], "url": url,
            "parent_id": int(r["parent_id"]) if r["parent_id"] else None,
            "parent_ids": [int(p) for p in parents],
            "parent_type": "collection" if r["parent_id"] else None, "default_locale": "en",
            "translated_content": {"type": "article_translated_content", "en": content},
            "statistics": {"type": "article_statistics", "views": r["views"],
                           "conversions": 0, "reactions": r["reactions"],
                           "happy_reaction_percentage": 60.0,
                           "neutral_reaction_percentage": 30.0,
                           "sad_reaction_percentage": 10.0}}
