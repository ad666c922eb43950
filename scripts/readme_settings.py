"""The README's settings tables, generated from each plugin's `--about --format=markdown`.

`python -m scripts.readme_settings` (or `make readme`) rewrites the tables between the
`<!-- settings: NAME -->` and `<!-- end settings -->` markers of README.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
PLUGINS = ("tap-intercom", "target-intercom", "tap-intercom-sync-log")
SECTION = re.compile(r"(<!-- settings: (?P<name>[\w-]+) -->\n)(.*?)(<!-- end settings -->)", re.S)


def settings_table(plugin: str) -> str:
    """The settings table of `PLUGIN --about --format=markdown`."""
    about = subprocess.run([str(Path(sys.executable).with_name(plugin)), "--about",
                            "--format=markdown"], capture_output=True, text=True, check=True)
    section = about.stdout.split("## Settings", 1)[1]
    return "".join(line + "\n" for line in section.splitlines() if line.startswith("|"))


def updated(readme: str, tables: dict[str, str]) -> str:
    """The README with each marked section replaced by its plugin's table."""
    def table(match: re.Match) -> str:
        return match.group(1) + tables[match.group("name")] + match.group(4)
    return SECTION.sub(table, readme)


def main() -> None:
    tables = {plugin: settings_table(plugin) for plugin in PLUGINS}
    README.write_text(updated(README.read_text(), tables))


if __name__ == "__main__":
    main()
