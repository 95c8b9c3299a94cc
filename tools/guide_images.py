"""Copy the user guide's screenshots from the journey test's run into docs/img/guide/, small.

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/frontend/e2e/test_journey.py
    PYTHONPATH=$PWD .venv/bin/python tools/guide_images.py

Each chosen step (``NN-name.png`` in ``test-output/journey/``) is cut to its first screen or two,
scaled to 900 px wide and saved as a 128-colour PNG (``docs/USER-GUIDE.md`` names them by step name,
so a renumbered run still finds them); each must stay under 150 KB.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "journey"
GUIDE = ROOT / "docs" / "img" / "guide"
WIDTH, MAX_HEIGHT, LIMIT = 900, 1100, 150_000
#: The steps the guide shows, by the name the test gives their screenshot.
CHOSEN = [
    "event-new", "people", "rules", "scheme", "import", "panel", "login-cards", "checkin", "tablet-a", "console",
    "signoff-refused", "published", "appeal-decided", "issued", "lookup", "verified",
]  # fmt: skip


def main() -> int:
    GUIDE.mkdir(parents=True, exist_ok=True)
    for name in CHOSEN:
        found = sorted(SHOTS.glob(f"[0-9][0-9]-{name}.png"))
        if not found:
            print(f"no screenshot of {name} in {SHOTS}: run tests/frontend/e2e/test_journey.py first", file=sys.stderr)
            return 1
        img = Image.open(found[0]).convert("RGB")
        scale = WIDTH / img.width
        img = img.resize((WIDTH, round(img.height * scale)), Image.LANCZOS)
        img = img.crop((0, 0, WIDTH, min(img.height, MAX_HEIGHT)))
        out = GUIDE / f"{name}.png"
        img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
        size = out.stat().st_size
        print(f"{out.relative_to(ROOT)}  {size // 1024} KB")
        if size > LIMIT:
            print(f"{out.name} is over {LIMIT // 1000} KB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
