"The benchmark scripts run and their tables say what they should (no timing is asserted)."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_vrl_speed_prints_shorter_sequences_and_lower_flop_ratio():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "vrl_speed.py"), "--preset", "test", "--ratios", "0,0.75",
                          "--batch", "2", "--reps", "1"], check=True, capture_output=True, text=True).stdout
    rows = {float(line.split()[0]): line.split() for line in out.splitlines() if line.strip()[:1].isdigit()}
    assert set(rows) == {0.0, 0.75}, out
    assert int(rows[0.75][1]) < int(rows[0.0][1])      # the LLM sequence is shorter
    assert float(rows[0.0][4]) == 1.0 and float(rows[0.75][4]) < 1.0  # and the FLOP model predicts less work
