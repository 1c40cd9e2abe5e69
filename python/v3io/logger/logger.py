"""A thin logger over :mod:`logging` (logger name ``v3io_py``) with the official SDK's
methods: ``debug``/``info``/``warn``/``error`` and their ``*_with(message, **fields)``
forms, whose fields the :class:`HumanReadableFormatter` prints after the message."""

from __future__ import annotations

import logging
from typing import IO, Any

__all__ = ["HumanReadableFormatter", "Logger"]


class HumanReadableFormatter(logging.Formatter):
    """``<time> [<level>] <message>: {fields}``."""

    def __init__(self) -> None:
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "with", {})
        more = f": {fields}" if fields else ""
        return (f"{self.formatTime(record, self.datefmt)} [{record.levelname.lower()}] "
                f"{record.getMessage()}{more}")


class Logger:
    """The official SDK's logger (``Logger(level="DEBUG")``)."""

    def __init__(self, level: str | int = "DEBUG") -> None:
        self._logger = logging.getLogger("v3io_py")
        self._logger.setLevel(level)

    def set_handler(self, handler_name: str, file: IO[str], formatter: logging.Formatter) -> None:
        """Replace the handler called ``handler_name`` by a stream handler on ``file``."""
        for handler in self._logger.handlers:
            if handler.name == handler_name:
                self._logger.removeHandler(handler)
                break
        handler = logging.StreamHandler(file)
        handler.name = handler_name
        handler.setFormatter(formatter)
        self._logger.addHandler(handler)

    def debug(self, message: str, *args: Any) -> None:
        self._logger.debug(message, *args)

    def info(self, message: str, *args: Any) -> None:
        self._logger.info(message, *args)

    def warn(self, message: str, *args: Any) -> None:
        self._logger.warning(message, *args)

    def error(self, message: str, *args: Any) -> None:
        self._logger.error(message, *args)

    def debug_with(self, message: str, *args: Any, **kw_args: Any) -> None:
        self._logger.debug(message, *args, extra={"with": kw_args})

    def info_with(self, message: str, *args: Any, **kw_args: Any) -> None:
        self._logger.info(message, *args, extra={"with": kw_args})

    def warn_with(self, message: str, *args: Any, **kw_args: Any) -> None:
        self._logger.warning(message, *args, extra={"with": kw_args})

    def error_with(self, message: str, *args: Any, **kw_args: Any) -> None:
        self._logger.error(message, *args, extra={"with": kw_args})
