"""One-off: moves the ground floor to kernel/, the roof to server/, pure rules to scoring/, and
rewrites every reference (imports, `from pkg import module`, dotted strings, file paths in docs).
Kept in the repository as the record of what moved where (docs/ARCHITECTURE.md)."""

import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
MOVES = {  # module → module
    "competition.settings": "kernel.settings",
    "competition.db": "kernel.db",
    "competition.audit": "kernel.audit",
    "competition.errors": "kernel.errors",
    "competition.security": "kernel.security",
    "competition.access": "kernel.access",
    "competition.ratelimit": "kernel.ratelimit",
    "competition.foreign_keys": "kernel.foreign_keys",
    "competition.tables": "kernel.tables",
    "competition.auth.roles": "kernel.roles",
    "competition.auth.passwords": "kernel.passwords",
    "competition.auth.guards": "kernel.guards",
    "frontend.i18n": "kernel.i18n",
    "competition.presets": "scoring.presets",
    "competition.registration.eligibility": "scoring.eligibility",
    "competition.registration.idcard": "scoring.idcard",
    "competition.app": "server.app",
    "competition.routes": "server.routes",
    "competition.cli": "server.cli",
    "competition.demo": "server.demo",
    "competition.simulate": "server.simulate",
    "competition.ops": "server.ops",
    "competition.backup": "server.backup",
    "competition.wsprotocol": "server.wsprotocol",
    "competition.piccolo_conf": "server.piccolo_conf",
    "competition.__main__": "server.__main__",
}


def path(mod):
    return mod.replace(".", "/") + ".py"


def git(*a):
    subprocess.run(["git", *a], cwd=ROOT, check=True)


def move_files():
    for pkg in ("kernel", "server"):
        (ROOT / pkg).mkdir(exist_ok=True)
        init = ROOT / pkg / "__init__.py"
        if not init.exists():
            init.write_text("")
    for old, new in MOVES.items():
        if (ROOT / path(old)).exists():
            git("mv", path(old), path(new))


FROM_RE = re.compile(r"^(\s*)from ([\w.]+) import (\([^)]*\)|[^\n]*)", re.M)


def split_from(m):
    indent, base, names = m.group(1), m.group(2), m.group(3)
    body = names.strip()
    comment = ""
    if not body.startswith("(") and "#" in body:
        body, comment = body.split("#", 1)
        comment = "  #" + comment
    inner = body.strip("()")
    parts = [p.strip() for p in re.split(r",", re.sub(r"#[^\n]*", "", inner)) if p.strip()]
    moved, kept = [], []
    for p in parts:
        name = p.split(" as ")[0].strip()
        full = f"{base}.{name}"
        if full in MOVES:
            moved.append((MOVES[full], p))
        else:
            kept.append(p)
    if not moved:
        return m.group(0)
    lines = []
    if kept:
        lines.append(f"{indent}from {base} import {', '.join(kept)}")
    for target, p in moved:
        pkg, mod = target.rsplit(".", 1)
        alias = p.split(" as ")[1].strip() if " as " in p else None
        lines.append(f"{indent}from {pkg} import {mod}" + (f" as {alias}" if alias else ""))
    return "\n".join(lines) + comment


def rewrite(text):
    text = FROM_RE.sub(split_from, text)
    for old in sorted(MOVES, key=len, reverse=True):
        new = MOVES[old]
        text = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, text)
        text = re.sub(rf"(?<![\w/]){re.escape(path(old))}", path(new), text)
        text = text.replace(f"`{old.replace('.', '/')}.py`", f"`{path(new)}`")
    return text


def rewrite_all():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        p = ROOT / f
        if f == "tools/restructure.py" or not p.is_file() or p.suffix in (".png", ".woff2", ".ttf", ".pdf", ".xlsx", ".otf"):
            continue
        try:
            t = p.read_text()
        except UnicodeDecodeError:
            continue
        n = rewrite(t)
        if n != t:
            p.write_text(n)


if __name__ == "__main__":
    move_files()
    rewrite_all()
