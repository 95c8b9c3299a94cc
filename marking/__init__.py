"""The scoring shell (评分与成绩发布): what the pure rules of :mod:`scoring` need a database, a
network and a clock for.

- :mod:`marking.tables`: marking schemes as stored, the append-only marks, criterion locks, the
  boards' state, result releases and appeals (the Piccolo app ``scoring``, whose migration history
  keeps its name: :mod:`marking.piccolo_app`).
- :mod:`marking.live`: the judges' and boards' websockets, the mark writer (which asks
  ``scoring.acceptance.judge_mark``), the boards, the live context.
- :mod:`marking.release`: provisional → notice → appeals → final, the results book, the public view.

It imports the pure rules and the features below it (``competition``, ``kernel``); the pure rules
import nothing of it.
"""
