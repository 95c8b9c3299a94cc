"""Bilingual messages (提示信息) and the error type the scoring core raises.

Everything a user may read comes in Chinese and English; the shell picks the language. Codes are
stable strings the frontend and tests can match on, independent of the wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """A user-visible text in both languages."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    def __str__(self) -> str:  # log lines and exception text read well in either language
        return f"{self.zh} / {self.en}"


class ScoringError(ValueError):
    """Bad input to a pure scoring function (a malformed score, parameter or rule).

    ``code`` is stable; ``message`` is for people.
    """

    def __init__(self, code: str, message: Message, **details: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message.to_dict(), **self.details}
