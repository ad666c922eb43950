"""Each setting is declared once, in a plugin's `config_jsonschema`: `meltano.yml` declares the
same settings with matching kinds, and the README's tables are the plugins' `--about` output."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from scripts.readme_settings import PLUGINS, README, settings_table, updated
from tap_intercom.tap import TapIntercom
from target_intercom.sync_log_tap import TapSyncLog
from target_intercom.target import TargetIntercom

ROOT = Path(__file__).resolve().parent.parent
CLASSES = {"tap-intercom": TapIntercom, "target-intercom": TargetIntercom,
           "tap-intercom-sync-log": TapSyncLog}
JSON_TYPE_OF_KIND = {"string": "string", "password": "string", "integer": "integer",
                     "decimal": "number", "boolean": "boolean", "object": "object",
                     "array": "array", "options": "string", "date_iso8601": "string"}


def schema_properties(plugin: str) -> dict[str, dict]:
    """Every setting the plugin takes, the SDK's built-in ones included (as `--about` lists)."""
    cls = CLASSES[plugin]
    schema = copy.deepcopy(cls.config_jsonschema)
    cls.append_builtin_config(schema)
    return schema["properties"]


def meltano_settings(plugin: str) -> dict[str, dict]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    [declared] = [p for kind in project["plugins"].values() for p in kind if p["name"] == plugin]
    return {s["name"]: s for s in declared["settings"]}


@pytest.mark.parametrize("plugin", PLUGINS)
def test_meltano_declares_the_plugins_settings(plugin):
    properties, declared = schema_properties(plugin), meltano_settings(plugin)
    assert sorted(declared) == sorted(properties)
    for name, setting in declared.items():
        prop = properties[name]
        types = prop["type"] if isinstance(prop.get("type"), list) else [prop.get("type")]
        if "oneOf" not in prop:
            assert JSON_TYPE_OF_KIND[setting["kind"]] in types, (name, setting["kind"], types)
        assert bool(setting.get("sensitive")) == bool(prop.get("writeOnly")), name
        if setting["kind"] == "date_iso8601":
            assert prop.get("format") == "date-time", name
        if setting["kind"] == "options" and "enum" in prop:
            assert [o["value"] for o in setting["options"]] == prop["enum"], name


def test_required_settings_are_validated_as_a_group_by_meltano():
    for plugin in PLUGINS:
        cls = CLASSES[plugin]
        project = yaml.safe_load((ROOT / "meltano.yml").read_text())
        [declared] = [p for kind in project["plugins"].values() for p in kind
                      if p["name"] == plugin]
        assert declared["settings_group_validation"] == [cls.config_jsonschema["required"]]


def test_readme_settings_tables_are_generated():
    tables = {plugin: settings_table(plugin) for plugin in PLUGINS}
    assert all(f"| {name} |" in tables[p] for p in PLUGINS for name in schema_properties(p))
    readme = README.read_text()
    assert all(f"<!-- settings: {plugin} -->" in readme for plugin in PLUGINS)
    assert readme == updated(readme, tables), "README tables are stale: run `make readme`"
