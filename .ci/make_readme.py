"""Write README.md from nbs/index.ipynb (nbdev's `nbdev_readme` needs Quarto, which cannot be installed here).
Cells with `#| hide` are left out, other `#|` directive lines are stripped, outputs are kept."""

import configparser
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent
cfg = configparser.ConfigParser(delimiters=["="])
cfg.read(root / "settings.ini")
nb = nbformat.read(root / cfg["DEFAULT"]["nbs_path"] / cfg["DEFAULT"]["readme_nb"], as_version=4)


def _directives(cell):
    return [l for l in cell.source.splitlines() if l.startswith("#|")]


cells = []
for cell in nb.cells:
    if cell.cell_type == "code":
        if any(l.replace(" ", "") == "#|hide" for l in _directives(cell)):
            continue
        cell.source = "\n".join(l for l in cell.source.splitlines() if not l.startswith("#|")).strip("\n")
    cells.append(cell)
nb.cells = cells
body, _ = MarkdownExporter().from_notebook_node(nb)
header = "<!-- generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file -->\n\n"
tmp = root / "README.md.tmp"
tmp.write_text(header + body.strip() + "\n", encoding="utf-8")
tmp.replace(root / "README.md")
