"""Custom attributes: values checked against their data attribute, new names defined."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import invalid
from intercom_sandbox.model.generate import data_attribute

SCALAR_TYPES = (str, int, float, bool, type(None))


class AttributeOperations:
    """Custom attribute rules of a workspace (a part of `Workspace`)."""

    data_attributes: Collection
    now: Callable[[], int]

    def check_custom_attributes(self, model: str, values: Any) -> dict:
        """Validate custom attribute values against their definitions, defining new ones."""
        if not isinstance(values, dict):
            raise invalid("custom_attributes must be an object", field="custom_attributes")
        known = {a["name"]: a for a in self.data_attributes.ordered()
                 if a["model"] == model and a["custom"]}
        for name, value in values.items():
            if not isinstance(value, SCALAR_TYPES):
                raise invalid(f"Custom attribute '{name}' must be a string, number or boolean",
                              code="parameter_invalid", field=f"custom_attributes.{name}")
            definition = known.get(name)
            if definition is None:
                self.define_attribute(model, name, value)
            elif value is not None and not value_fits(definition["data_type"], value):
                raise invalid(f"Custom attribute '{name}' should be of type "
                              f"{definition['data_type']}", code="parameter_invalid",
                              field=f"custom_attributes.{name}")
        return dict(values)

    def define_attribute(self, model: str, name: str, value: Any) -> dict:
        kind = ("boolean" if isinstance(value, bool) else "integer" if isinstance(value, int)
                else "float" if isinstance(value, float) else "string")
        next_id = 1 + max((a["attribute_id"] or 0) for a in self.data_attributes.ordered())
        record = data_attribute(model, name, kind, None, custom=True, now=self.now(),
                                attribute_id=next_id)
        return self.data_attributes.add(record)


def value_fits(data_type: str, value: Any) -> bool:
    """Whether a value is acceptable for an Intercom data type."""
    if data_type == "string":
        return isinstance(value, str)
    if data_type in ("integer", "date"):
        return isinstance(value, int) and not isinstance(value, bool)
    if data_type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if data_type == "boolean":
        return isinstance(value, bool)
    return True
