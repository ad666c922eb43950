"""Help centers, their collections and articles: generation and rules."""

from __future__ import annotations

import random

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.collection import Collection

COLLECTION_NAMES = ("Getting started", "Billing", "Integrations", "Troubleshooting",
                    "Sicherheit", "API", "はじめに")
ARTICLE_TITLES = ("How to export your data", "Changing your plan", "Connecting Slack",
                  "Resetting a password", "Rechnungen herunterladen", "Webhooks explained",
                  "Understanding rate limits", "アカウントの削除")


class HelpCenterGenerator:
    """Help centers, collections and articles from their own random stream, so that every
    other collection stays as the seed always gave it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.rng = random.Random(config.seed * 49_979_687 + 31)
        self.now = config.anchor
        self.size = config.size

    def help_centers(self) -> list[dict]:
        return [{"id": str(70 + i), "seq": i, "identifier": f"sandbox-{name.lower()}",
                 "display_name": f"{name} help", "website_turned_on": i == 0,
                 "custom_domain": "help.example.com" if i == 0 else None,
                 "created_at": self.now - 86400 * (600 - 100 * i),
                 "updated_at": self.now - 86400 * (30 + i)}
                for i, name in enumerate(("Customers", "Partners"))]

    def collections(self, help_centers: list[dict]) -> list[dict]:
        rng = self.rng
        out: list[dict] = []
        for i, name in enumerate(COLLECTION_NAMES):
            created = self.now - rng.randint(86400 * 60, 86400 * 500)
            parent = out[rng.randrange(len(out))]["id"] if out and rng.random() < 0.3 else None
            out.append({"id": str(140 + i), "seq": i, "name": name,
                        "description": None if i % 3 == 2 else f"Everything about {name}",
                        "icon": "book-bookmark", "order": i, "parent_id": parent,
                        "help_center_id": help_centers[i % len(help_centers)]["id"]
                        if help_centers else None,
                        "created_at": created, "updated_at": rng.randint(created, self.now)})
        return out

    def articles(self, collections: list[dict], admins: list[dict]) -> list[dict]:
        rng = self.rng
        out = []
        for i in range(self.size.articles if admins else 0):
            created = self.now - rng.randint(86400, 86400 * 700)
            parent = rng.choice(collections) if collections and rng.random() < 0.85 else None
            title = f"{rng.choice(ARTICLE_TITLES)} ({i})"
            out.append({"id": str(3900 + i), "seq": i, "title": title,
                        "description": rng.choice(["", "A short guide", None]),
                        "body": f"<p>{title}: step by step.</p>" if rng.random() < 0.9 else "",
                        "author_id": rng.choice(admins)["id"],
                        "state": "published" if rng.random() < 0.8 else "draft",
                        "parent_id": parent["id"] if parent else None,
                        "created_at": created, "updated_at": rng.randint(created, self.now),
                        "views": rng.randint(0, 5000), "reactions": rng.randint(0, 300)})
        return out


class HelpCenterOperations:
    """Help center rules of a workspace (a part of `Workspace`)."""

    articles: Collection

    def edit_article(self, record: dict, now: int) -> None:
        record["title"] = f"{record['title'].split(' (edited')[0]} (edited {now})"
        self.articles.touch(record["id"])
