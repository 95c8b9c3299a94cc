"""Extension points: a question a lower floor asks and only higher features can answer.

A feature below declares one (``RECORD_KEEPERS = Extension("...")``) and asks it; the features
above that know the answer register their function when the server wires the app
(``server/wiring.py``), so imports keep running down the floors and a reader finds every answer
in one file. A point marked ``required`` refuses to be asked before anything is registered: a
check that silently passes because nobody wired it would be a hole, not a default."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Generic, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class NotWired(RuntimeError):
    pass


class Extension(Generic[F]):
    def __init__(self, question: str, *, required: bool = False) -> None:
        self.question = question
        self.required = required
        self._answers: list[F] = []

    def register(self, answer: F) -> F:
        if answer not in self._answers:
            self._answers.append(answer)
        return answer

    def __iter__(self) -> Iterator[F]:
        if self.required and not self._answers:
            raise NotWired(f"nothing answers {self.question!r}: call server.wiring.wire() first")
        return iter(list(self._answers))

    def __repr__(self) -> str:
        return f"Extension({self.question!r}, {len(self._answers)} answer(s))"
