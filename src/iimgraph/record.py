"""A small immutable record type, for values that cross modules (graph sources, catalogue entries).

What a frozen dataclass gives, without importing dataclasses and inspect on the query path."""

from __future__ import annotations


class Value:
    """A small immutable record: equal and hashed by its fields, shown with them (what a frozen
    dataclass gives, without importing dataclasses and inspect on the query path)."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **fields: object) -> None:
        for key, value in fields.items():
            object.__setattr__(self, key, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and type(other) is type(self) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._fields()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in self.__slots__)})"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), dict(zip(self.__slots__, self._fields(), strict=True))))


def _rebuild(cls: type[Value], fields: dict[str, object]) -> Value:
    obj = cls.__new__(cls)
    obj._set(**fields)
    return obj
