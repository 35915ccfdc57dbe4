"""The paper's numbers as data: `papers_tables/paper/*.csv` parse, and a set of cells match the paper.

The paper text lives outside the repo (`$VITP_PAPER`, default `../shared/paper/ViTP-paper.txt` relative to the
repo root); only the comparison with that text is skipped when it is absent."""

import csv, os, re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "papers_tables" / "paper"
PAPER = ROOT / os.environ.get("VITP_PAPER", "../shared/paper/ViTP-paper.txt")  # an absolute VITP_PAPER wins

EXPECTED_FILES = {f"table{n:02d}" for n in range(1, 17)} | {"fig5", "fig6", "fig7"}
META_KEYS = {"caption", "metric", "source", "doubtful"}


def read_table(path: Path) -> tuple[dict, list[str], list[list[str]]]:
    "Comment metadata (`# key: value`, repeated keys joined), header and rows of one paper CSV."
    meta, lines = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            key, _, val = line[1:].partition(":")
            meta[key.strip()] = (meta[key.strip()] + " | " if key.strip() in meta else "") + val.strip()
        elif line.strip():
            lines.append(line)
    header, *rows = csv.reader(lines)
    return meta, header, rows


def cell(name: str, label: str, column: str) -> str:
    "The cell of `column` in the one row of paper table/figure `name` that has a cell equal to `label`."
    _, header, rows = read_table(next(TABLES.glob(f"{name}_*.csv")))
    hits = [r for r in rows if label in r]
    assert len(hits) == 1, f"{name}: {len(hits)} rows labelled {label!r}"
    return hits[0][header.index(column)]


def csv_files() -> list[Path]:
    return sorted(TABLES.glob("*.csv"))


def test_files_and_readme():
    "One CSV per table 1-16 and figure 5-7, each listed in the README."
    stems = {p.name.split("_")[0] for p in csv_files()}
    assert stems == EXPECTED_FILES
    readme = (TABLES / "README.md").read_text(encoding="utf-8")
    for p in csv_files():
        assert f"`{p.name}`" in readme, p.name
    assert len(re.findall(r"^- `.+\.csv`", readme, flags=re.M)) == len(csv_files())


@pytest.mark.parametrize("path", csv_files(), ids=lambda p: p.name)
def test_csv_parses(path):
    "Metadata comments present and naming the right table/figure; consistent columns; cells cleaned of print markup."
    meta, header, rows = read_table(path)
    assert META_KEYS <= meta.keys(), f"{path.name}: missing {META_KEYS - meta.keys()}"
    kind, num = ("figure", path.name[3]) if path.name.startswith("fig") else ("table", str(int(path.name[5:7])))
    assert meta.get(kind) == num
    assert len(header) == len(set(header)) >= 2 and all(header)
    assert rows, f"{path.name}: no rows"
    for r in rows:
        assert len(r) == len(header), f"{path.name}: {r}"
    # the paper's "-" became an empty cell; markup, arrows and thousands separators were stripped from numbers
    for c in (c for r in rows for c in r):
        assert c not in ("-", "–") and not re.search(r"</?[ui]>|↓|^\d{1,3}(,\d{3})+$", c), f"{path.name}: {c!r}"
    assert any(re.fullmatch(r"\d+(\.\d+)?", c) for r in rows for c in r) or kind == "figure"


def test_table_arithmetic():
    "Internal consistency of the transcription: Table 15 drops and Table 16 Avg / Δ_TP follow from the other cells."
    _, h, rows = read_table(TABLES / "table15_data_efficiency.csv")
    for r in rows:
        for frac in ("20%", "10%", "5%", "2%"):
            full, val, drop = (float(r[h.index(c)]) for c in ("100%", frac, f"{frac} drop"))
            assert full - val == pytest.approx(drop, abs=0.006), (r[0], frac)
    _, h, rows = read_table(TABLES / "table16_robustness.csv")
    corr = h[h.index("Clean") + 1 : h.index("Avg")]
    assert len(corr) == 12
    for r in rows:
        vals = [float(r[h.index(c)]) for c in corr]
        avg, clean, delta = float(r[h.index("Avg")]), float(r[h.index("Clean")]), float(r[h.index("Δ_{TP}")])
        assert sum(vals) / 12 == pytest.approx(avg, abs=0.006), r[1]
        assert clean - avg == pytest.approx(delta, abs=0.011), r[1]


# (file, row label, column, value in the CSV, row label in the paper or None for the same, value in the paper)
# Table rows are found inside the table's block in the paper; figure points inside one sentence of the section
# that cites the figure.
CHECKS = [
    ("table01", "ViTP", "DOTA-v2", "60.23", None, "60.23"),
    ("table01", "SkySense [49]", "DIOR-R", "74.27", None, "74.27"),
    ("table02", "SARATR-X [83]", "SARDet-100K", "57.3", None, "57.3"),
    ("table02", "ViTP", "RSAR", "72.31", None, "72.31"),
    ("table03", "LSKNet [89]", "LoveDA", "54.00", None, "54.00"),
    ("table04", "ViTP", "AP_{mask}", "65.90", None, "65.90"),
    ("table05", "GCD-DDPM [165]", "WHU", "92.54", None, "92.54"),
    ("table05", "ViTP", "LEVIR", "92.67", None, "92.67"),
    ("table06", "ViTP", "CovidQUEx", "91.55", None, "91.55"),
    ("table07", "w/o General data", "RSAR mAP", "52.3", None, "52.3"),
    ("table07", "full data", "RSAR mAP", "54.6", None, "54.6"),
    ("table08", "SkySense [49]", "Hours", "400", None, "400"),
    ("table10", "GeoChat [74]", "Sample Rate", "2", None, "2"),
    ("table12", "RSAR [191]", "Images", "95842", None, "95,842"),
    ("table13", "ViTP", "ADE20K (mIoU)", "55.8", None, "55.8"),
    ("table14", "AIMv2 [45]", "ADE20K (mIoU)", "51.5", None, "51.5"),
    ("table15", "ViTP", "2% drop", "25.33", None, "↓25.33"),
    ("table16", "ViTP w/o VRL", "Avg", "67.13", None, "67.13"),
    ("table16", "ViTP", "Δ_{TP}", "4.37", None, "4.37"),
    ("fig5", "8000", "hours (8x A40)", "23", "8k steps", "23 hours"),
    ("fig6", "0", "RSAR mAP", "52.8", "without VRL", "52.8"),
    ("fig6", "75", "RSAR mAP", "54.6", "ratio of 75%", "54.6"),
    ("fig6", "90", "RSAR mAP", "54.3", "rate of 90%", "54.3"),
]
CHECK_IDS = [f"{c[0]}:{c[1]}:{c[2]}" for c in CHECKS]


@pytest.mark.parametrize("name,label,column,value,_plabel,_pvalue", CHECKS, ids=CHECK_IDS)
def test_checked_cells_in_csv(name, label, column, value, _plabel, _pvalue):
    "The hand-checked cells hold the expected values (runs without the paper)."
    assert cell(name, label, column) == value


def _table_block(lines: list[str], n: int) -> list[str]:
    "The non-blank lines after `Table n.`'s caption: header and rows, tab-separated."
    i = next(k for k, l in enumerate(lines) if l.startswith(f"Table {n}.")) + 1
    while not lines[i].strip():
        i += 1
    block = []
    while i < len(lines) and lines[i].strip():
        block.append(lines[i])
        i += 1
    return block


def _figure_sentences(lines: list[str], n: int) -> list[str]:
    "Sentences of the body paragraphs that cite `Figure n` (captions excluded)."
    paras = [l for l in lines if f"Figure {n}" in l and not l.startswith("Figure")]
    return [s for p in paras for s in re.split(r"(?<=\.)\s+", p)]


@pytest.mark.parametrize("name,label,column,value,plabel,pvalue", CHECKS, ids=CHECK_IDS)
def test_checked_cells_in_paper(name, label, column, value, plabel, pvalue):
    "Each hand-checked value sits in the paper: in the row with that label (tables) or the sentence with it (figures)."
    if not PAPER.exists():
        pytest.skip(f"paper text not found at {PAPER} (set VITP_PAPER)")
    lines = PAPER.read_text(encoding="utf-8").splitlines()
    plabel = plabel or label
    if name.startswith("table"):
        rows = [[c.strip() for c in re.sub(r"</?u>", "", l).split("\t")] for l in _table_block(lines, int(name[5:]))]
        hits = [r for r in rows if plabel in r]
        assert len(hits) == 1, f"{name}: {len(hits)} paper rows labelled {plabel!r}"
        assert pvalue in " ".join(hits[0]).split(), f"{name}/{plabel}: {pvalue} not in {hits[0]}"
    else:
        sents = [s for s in _figure_sentences(lines, int(name[3:])) if plabel in s]
        assert any(pvalue in s for s in sents), f"{name}: no sentence with {plabel!r} and {pvalue!r}"
