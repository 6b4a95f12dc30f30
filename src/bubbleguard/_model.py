"""The one convention for result types: pydantic's method names, JSON keys by alias.

Two bases share it:

* :class:`Model`, for the check report and the policy: standard dataclasses with pydantic's
  method names (``model_dump``, ``model_dump_json``, ``model_validate``, ``model_json_schema``,
  ``model_copy``). pydantic still decides what the types mean (a ``TypeAdapter`` per class
  validates, dumps and writes the JSON schema), but it is imported only when one of those
  methods is called: importing pydantic and building its validators costs about a quarter of
  ``bubbleguard check``'s run time, and a terminal report needs neither.
* ``ResultModel``, a pydantic ``BaseModel`` for results built on paths that import pydantic
  anyway and that are worth validating as they are assembled (plans, stress results, deal
  dependence). It is created on first use, so importing this module stays free of pydantic.

Both dump by alias (``return_`` is written ``return``, ``schema_`` ``schema``) and accept field
names or aliases, so a key is spelled the same by every command and in every nesting.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, TypeVar

__all__ = ["Model", "ResultModel"]  # noqa: F822 - ResultModel is built on first use

M = TypeVar("M", bound="Model")


@cache
def _cached_adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


def adapter(cls: type) -> Any:
    """The pydantic ``TypeAdapter`` of a dataclass, built once per class on first use."""
    # A plain ``type`` parameter: mypy does not see a class object as ``Hashable``, the type of
    # ``functools.cache``'s arguments, when it is given as ``type[Model]``.
    return _cached_adapter(cls)


class Model:
    """pydantic's model methods for a dataclass."""

    __slots__ = ()

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """The object as a dict (``mode="json"`` for JSON-safe values), like pydantic's."""
        kwargs.setdefault("by_alias", True)
        return adapter(type(self)).dump_python(self, **kwargs)  # type: ignore[no-any-return]

    def model_dump_json(self, **kwargs: Any) -> str:
        """The object as JSON text (``indent=2`` to indent), like pydantic's."""
        kwargs.setdefault("by_alias", True)
        return adapter(type(self)).dump_json(self, **kwargs).decode()  # type: ignore[no-any-return]

    def model_copy(self: M, *, update: dict[str, Any] | None = None) -> M:
        """A copy with some fields replaced (not validated, like pydantic's)."""
        return dataclasses.replace(self, **(update or {}))  # type: ignore[type-var]

    @classmethod
    def model_validate(cls: type[M], obj: Any) -> M:
        """Validate a dict (e.g. a parsed JSON report) into this type; raises ``ValidationError``."""
        return adapter(cls).validate_python(obj)  # type: ignore[no-any-return]

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON schema of this type."""
        return adapter(cls).json_schema()  # type: ignore[no-any-return]

    @classmethod
    def field_names(cls) -> list[str]:
        """The field names, in order."""
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def _result_model() -> type:
    from pydantic import BaseModel, ConfigDict

    class ResultModel(BaseModel):
        """A pydantic model that dumps by alias and accepts field names or aliases."""

        model_config = ConfigDict(populate_by_name=True)

        def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # noqa: D102 - by alias
            kwargs.setdefault("by_alias", True)
            return super().model_dump(**kwargs)

        def model_dump_json(self, **kwargs: Any) -> str:  # noqa: D102 - by alias
            kwargs.setdefault("by_alias", True)
            return super().model_dump_json(**kwargs)

    return ResultModel


def __getattr__(name: str) -> Any:
    if name == "ResultModel":  # built on first use: pydantic loads only where results need it
        globals()[name] = value = _result_model()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
