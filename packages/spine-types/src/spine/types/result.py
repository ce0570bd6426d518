"""``Result[T]``: explicit success/failure values (``Ok`` / ``Err``) instead of exceptions.

``Ok(value)`` holds a success, ``Err(error)`` holds an ``Exception``. Both are frozen
dataclasses that support structural pattern matching. (They are deliberately not
``slots=True``: on Python 3.11 that breaks ``Err[int](exc)``-style construction.)

Example:
    >>> def parse_volume(raw: str) -> Result[int]:
    ...     return try_result(int, raw)
    >>> match parse_volume("42"):
    ...     case Ok(value):
    ...         print("ok", value)
    ...     case Err(error):
    ...         print("bad", error)
    ok 42
    >>> parse_volume("x").map(lambda v: v * 2).unwrap_or(0)
    0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, NoReturn, TypeAlias, TypeVar, cast

from spine.types.errors import SpineError, ValidationError

__all__ = [
    "Err",
    "Ok",
    "Result",
    "UnwrapError",
    "collect_results",
    "from_optional",
    "partition_results",
    "try_result",
]

T = TypeVar("T")
U = TypeVar("U")


class UnwrapError(SpineError):
    """Raised by :meth:`Ok.unwrap_err` and :meth:`Err.expect`: a Result was unwrapped the
    wrong way (category INTERNAL)."""


@dataclass(frozen=True)
class Ok(Generic[T]):
    """A successful result holding ``value``.

    Example:
        >>> Ok(2).map(lambda v: v + 1)
        Ok(value=3)
    """

    value: T

    def is_ok(self) -> Literal[True]:
        """Always ``True``."""
        return True

    def is_err(self) -> Literal[False]:
        """Always ``False``."""
        return False

    def ok(self) -> T | None:
        """The value (``None`` on :class:`Err`)."""
        return self.value

    def err(self) -> Exception | None:
        """``None`` (the exception on :class:`Err`)."""
        return None

    def unwrap(self) -> T:
        """Return the value."""
        return self.value

    def expect(self, message: str) -> T:
        """Return the value (``Err`` raises with ``message``)."""
        return self.value

    def unwrap_err(self) -> NoReturn:
        """Raise :class:`UnwrapError`: an ``Ok`` holds no error."""
        raise UnwrapError(f"unwrap_err() called on Ok({self.value!r})")

    def unwrap_or(self, default: T) -> T:
        """Return the value, ignoring ``default``."""
        return self.value

    def unwrap_or_else(self, fn: Callable[[Exception], T]) -> T:
        """Return the value without calling ``fn``."""
        return self.value

    def map(self, fn: Callable[[T], U]) -> Result[U]:
        """``Ok(fn(value))``."""
        return Ok(fn(self.value))

    def flat_map(self, fn: Callable[[T], Result[U]]) -> Result[U]:
        """``fn(value)``: chain a step that itself returns a Result."""
        return fn(self.value)

    and_then = flat_map

    def map_err(self, fn: Callable[[Exception], Exception]) -> Result[T]:
        """No-op on ``Ok``."""
        return self

    def or_else(self, fn: Callable[[Exception], Result[T]]) -> Result[T]:
        """No-op on ``Ok``."""
        return self

    def inspect(self, fn: Callable[[T], Any]) -> Result[T]:
        """Call ``fn(value)`` for its side effect and return ``self``."""
        fn(self.value)
        return self

    def inspect_err(self, fn: Callable[[Exception], Any]) -> Result[T]:
        """No-op on ``Ok``."""
        return self


@dataclass(frozen=True)
class Err(Generic[T]):
    """A failed result holding ``error`` (an ``Exception`` instance).

    ``T`` is the success type the computation would have produced.

    Example:
        >>> r: Result[int] = Err(ValueError("negative volume"))
        >>> r.unwrap_or(0), r.is_err()
        (0, True)
    """

    error: Exception

    def __post_init__(self) -> None:
        if not isinstance(self.error, Exception):
            raise ValidationError(
                "Err.error must be an Exception instance, got "
                f"{type(self.error).__name__}: {self.error!r}"
            )

    def is_ok(self) -> Literal[False]:
        """Always ``False``."""
        return False

    def is_err(self) -> Literal[True]:
        """Always ``True``."""
        return True

    def ok(self) -> T | None:
        """``None`` (the value on :class:`Ok`)."""
        return None

    def err(self) -> Exception | None:
        """The contained exception (``None`` on :class:`Ok`)."""
        return self.error

    def unwrap(self) -> NoReturn:
        """Raise the contained exception."""
        raise self.error

    def expect(self, message: str) -> NoReturn:
        """Raise :class:`UnwrapError` with ``message``, chained from the contained exception."""
        raise UnwrapError(f"{message}: {self.error}", cause=self.error)

    def unwrap_err(self) -> Exception:
        """Return the contained exception."""
        return self.error

    def unwrap_or(self, default: T) -> T:
        """Return ``default``."""
        return default

    def unwrap_or_else(self, fn: Callable[[Exception], T]) -> T:
        """Return ``fn(error)``."""
        return fn(self.error)

    def map(self, fn: Callable[[T], U]) -> Result[U]:
        """No-op on ``Err`` (the same error, retyped)."""
        return cast("Err[U]", self)

    def flat_map(self, fn: Callable[[T], Result[U]]) -> Result[U]:
        """No-op on ``Err``."""
        return cast("Err[U]", self)

    and_then = flat_map

    def map_err(self, fn: Callable[[Exception], Exception]) -> Result[T]:
        """``Err(fn(error))``: translate the error (e.g. driver error -> spine error)."""
        return Err(fn(self.error))

    def or_else(self, fn: Callable[[Exception], Result[T]]) -> Result[T]:
        """``fn(error)``: recover with another Result."""
        return fn(self.error)

    def inspect(self, fn: Callable[[T], Any]) -> Result[T]:
        """No-op on ``Err``."""
        return self

    def inspect_err(self, fn: Callable[[Exception], Any]) -> Result[T]:
        """Call ``fn(error)`` for its side effect and return ``self``."""
        fn(self.error)
        return self


Result: TypeAlias = Ok[T] | Err[T]
"""``Ok[T] | Err[T]``."""


def try_result(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Result[T]:
    """Call ``fn(*args, **kwargs)``; return ``Ok(return value)`` or ``Err(raised Exception)``.

    Only ``Exception`` is caught; ``KeyboardInterrupt``/``SystemExit`` propagate.

    Example:
        >>> try_result(int, "12"), try_result(int, "x").is_err()
        (Ok(value=12), True)
    """
    try:
        return Ok(fn(*args, **kwargs))
    except Exception as exc:
        return Err(exc)


def collect_results(results: Iterable[Result[T]]) -> Result[list[T]]:
    """``Ok([values...])`` if every item is ``Ok``, else the first ``Err`` (stops consuming).

    Example:
        >>> collect_results([Ok(1), Ok(2)])
        Ok(value=[1, 2])
        >>> collect_results([Ok(1), Err(KeyError("k"))]).is_err()
        True
    """
    values: list[T] = []
    for item in results:
        if isinstance(item, Err):
            return cast("Err[list[T]]", item)
        values.append(item.value)
    return Ok(values)


def partition_results(results: Iterable[Result[T]]) -> tuple[list[T], list[Exception]]:
    """Split into ``(ok values, errors)``, preserving order.

    Example:
        >>> partition_results([Ok(1), Err(ValueError("x")), Ok(3)])[0]
        [1, 3]
    """
    oks: list[T] = []
    errs: list[Exception] = []
    for item in results:
        if isinstance(item, Ok):
            oks.append(item.value)
        else:
            errs.append(item.error)
    return oks, errs


def from_optional(value: T | None, error: Exception | Callable[[], Exception]) -> Result[T]:
    """``Ok(value)`` unless ``value`` is ``None``, then ``Err(error)``.

    ``error`` may be an exception or a zero-argument factory (called only when needed).

    Example:
        >>> from_optional(None, KeyError("missing")).is_err()
        True
    """
    if value is not None:
        return Ok(value)
    return Err(error if isinstance(error, Exception) else error())
