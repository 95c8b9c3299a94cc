"""The registration spreadsheet (报名表), being split into modules; for now all of it is in ``validation``."""

from competition.registration.sheet.validation import *  # noqa: F403
from competition.registration.sheet.validation import KEYS, __all__  # noqa: F401
