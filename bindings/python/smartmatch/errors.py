"""The exception hierarchy: one class per ``sm_status`` of the C library.

Every failing library call raises a subclass of :class:`Error` carrying the
library's own message (``sm_error_last()``, read on the failing thread right
after the call) and the structured details the library records: ``status``,
``file``, ``line``, ``column``, ``field`` and ``value``.

Some classes also derive from the built-in exception a Python programmer
would expect, so ``except KeyError`` or ``except ValueError`` keep working:

=====================  ==============================  ====================
class                  C status                        also a
=====================  ==============================  ====================
InvalidArgument        SM_ERR_INVALID_ARGUMENT         ValueError
NoMemory               SM_ERR_NOMEM                    MemoryError
NotFound               SM_ERR_NOT_FOUND                KeyError
Duplicate              SM_ERR_DUPLICATE
BadId                  SM_ERR_BAD_ID                   ValueError
BadCode                SM_ERR_BAD_CODE                 ValueError
UnknownCode            SM_ERR_UNKNOWN_CODE
RangeError             SM_ERR_RANGE                    ValueError
ParseError             SM_ERR_PARSE                    ValueError
FileError              SM_ERR_IO                       OSError
Unsupported            SM_ERR_UNSUPPORTED
CallbackError          SM_ERR_CALLBACK
Cancelled              SM_ERR_CANCELLED
LimitExceeded          SM_ERR_LIMIT
UnknownName            SM_ERR_UNKNOWN_NAME             ValueError
=====================  ==============================  ====================
"""

from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Duplicate", "BadId", "BadCode",
    "UnknownCode", "RangeError", "ParseError", "FileError", "Unsupported", "CallbackError",
    "Cancelled", "LimitExceeded", "UnknownName", "error_class", "status_name",
]

#: Symbolic names of the status codes (``sm_status_str()``); fixed forever.
STATUS_NAMES: Dict[int, str] = {
    0: "SM_OK",
    1: "SM_ERR_INVALID_ARGUMENT",
    2: "SM_ERR_NOMEM",
    3: "SM_ERR_NOT_FOUND",
    4: "SM_ERR_DUPLICATE",
    5: "SM_ERR_BAD_ID",
    6: "SM_ERR_BAD_CODE",
    7: "SM_ERR_UNKNOWN_CODE",
    8: "SM_ERR_RANGE",
    9: "SM_ERR_PARSE",
    10: "SM_ERR_IO",
    11: "SM_ERR_UNSUPPORTED",
    12: "SM_ERR_CALLBACK",
    13: "SM_ERR_CANCELLED",
    14: "SM_ERR_LIMIT",
    15: "SM_ERR_UNKNOWN_NAME",
}


def status_name(status: int) -> str:
    """The symbolic name of a status code, e.g. ``"SM_ERR_NOMEM"``."""
    return STATUS_NAMES.get(status, "SM_ERR_UNKNOWN")


class Error(Exception):
    """Base class of every error the smartmatch library reports.

    Attributes:
        status:  the C status code (an ``int``; :func:`status_name` names it)
        message: the library's message, e.g.
                 ``smes.csv:42: region: unknown NUTS code "SI9"``
        file:    input file or buffer name, ``""`` if none
        line:    1-based line in ``file``, 0 if none
        column:  1-based column (CSV field number), 0 if unknown
        field:   the field at fault (``"region"``, ``"weights"``...), ``""`` if none
        value:   the offending value (at most 200 bytes), ``""`` if none
    """

    #: Status code of this class; instances may carry another (unknown) one.
    status: int = -1

    def __init__(self, message: str = "", status: Optional[int] = None, *, file: str = "",
                 line: int = 0, column: int = 0, field: str = "", value: str = "") -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.value = value

    @property
    def status_name(self) -> str:
        """The symbolic name of :attr:`status`, e.g. ``"SM_ERR_PARSE"``."""
        return status_name(self.status)

    def __str__(self) -> str:
        return self.message or self.status_name

    def __reduce__(self):  # keep the details when pickled (multiprocessing)
        return (_rebuild, (type(self), self.message, self.status, self.file, self.line,
                           self.column, self.field, self.value))


def _rebuild(cls, message, status, file, line, column, field, value):
    return cls(message, status, file=file, line=line, column=column, field=field, value=value)


class InvalidArgument(Error, ValueError):
    """An invalid argument or option value (``SM_ERR_INVALID_ARGUMENT``).

    Also raised, with that status, when a closed engine or weighting is used.
    """
    status = 1


class NoMemory(Error, MemoryError):
    """An allocation failed; nothing was changed (``SM_ERR_NOMEM``)."""
    status = 2


class NotFound(Error, KeyError):
    """No SME, region or sector with that id or code (``SM_ERR_NOT_FOUND``).

    A :class:`KeyError` (hence a :class:`LookupError`), so mapping-style code
    such as ``engine["id"]`` behaves as Python programmers expect.
    """
    status = 3


class Duplicate(Error):
    """The id, code or name is already present where that is not allowed (``SM_ERR_DUPLICATE``)."""
    status = 4


class BadId(Error, ValueError):
    """An SME id is empty, too long or contains control characters (``SM_ERR_BAD_ID``)."""
    status = 5


class BadCode(Error, ValueError):
    """A region, sector, language, tag or name is malformed (``SM_ERR_BAD_CODE``)."""
    status = 6


class UnknownCode(Error):
    """A well-formed region or sector code is not in the engine (``SM_ERR_UNKNOWN_CODE``)."""
    status = 7


class RangeError(Error, ValueError):
    """A number is NaN or outside its documented range (``SM_ERR_RANGE``)."""
    status = 8


class ParseError(Error, ValueError):
    """Input text could not be parsed (``SM_ERR_PARSE``).

    :attr:`file`, :attr:`line`, :attr:`column`, :attr:`field` and
    :attr:`value` say where and what.
    """
    status = 9


class FileError(Error, OSError):
    """A file could not be opened, read or written (``SM_ERR_IO``).

    Also an :class:`OSError`, like the errors of Python's own file functions.
    """
    status = 10


class Unsupported(Error):
    """The feature was not built into the library, e.g. JSON without jansson (``SM_ERR_UNSUPPORTED``)."""
    status = 11


class CallbackError(Error):
    """A callback failed, e.g. a custom criterion returned NaN (``SM_ERR_CALLBACK``).

    An exception *raised* by a Python callback is not turned into this: the
    original exception propagates to the caller instead.
    """
    status = 12


class Cancelled(Error):
    """A callback asked to stop (``SM_ERR_CANCELLED``)."""
    status = 13


class LimitExceeded(Error):
    """A documented capacity limit would be exceeded (``SM_ERR_LIMIT``)."""
    status = 14


class UnknownName(Error, ValueError):
    """An unknown criterion, preset, parameter, size class or cooperation name (``SM_ERR_UNKNOWN_NAME``)."""
    status = 15


_CLASSES: Dict[int, Type[Error]] = {
    cls.status: cls
    for cls in (InvalidArgument, NoMemory, NotFound, Duplicate, BadId, BadCode, UnknownCode,
                RangeError, ParseError, FileError, Unsupported, CallbackError, Cancelled,
                LimitExceeded, UnknownName)
}


def error_class(status: int) -> Type[Error]:
    """The exception class for a status code (:class:`Error` for unknown codes)."""
    return _CLASSES.get(status, Error)
