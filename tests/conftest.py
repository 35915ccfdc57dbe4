import configparser, contextlib, io, os, runpy, subprocess, sys
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent.parent
_ini = configparser.ConfigParser()
_ini.read(ROOT / "settings.ini")
SCRIPTS = dict(item.split("=") for item in _ini["DEFAULT"]["console_scripts"].split())  # the console scripts pip installs


def pytest_addoption(parser):
    parser.addoption(
        "--openmmlab",
        action="store_true",
        default=False,
        help="run the tests marked openmmlab (need `make openmmlab`); VITP_OPENMMLAB=1 does the same",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds; still run by `make test` and CI")
    config.addinivalue_line("markers", "openmmlab: needs the optional OpenMMLab packages; runs only with --openmmlab or VITP_OPENMMLAB=1")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--openmmlab") or os.environ.get("VITP_OPENMMLAB") == "1":
        return
    skip = pytest.mark.skip(reason="OpenMMLab tests run with --openmmlab or VITP_OPENMMLAB=1 (after `make openmmlab`)")
    for item in items:
        if "openmmlab" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cli(tmp_path):
    """`cli(name, *args)` runs console script `name` of settings.ini through a stub like the one pip writes for it, its
    arguments parsed from the command line as in a shell, and returns what it printed. In a subprocess (from the
    repository root), or with `in_process=True` in this one (no second import of torch; for commands that leave no
    process-wide state: DeepSpeed sets the environment and a process group, so a DeepSpeed run needs the subprocess)."""

    def run(name: str, *args, in_process: bool = False) -> str:
        module, func = SCRIPTS[name].split(":")
        stub = tmp_path / f"{name}.py"
        stub.write_text(f"import sys\nfrom {module} import {func}\nif __name__ == '__main__': sys.exit({func}())\n")
        argv = [str(stub), *map(str, args)]
        if in_process:
            out = io.StringIO()
            with mock.patch.object(sys, "argv", argv), contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
                runpy.run_path(str(stub), run_name="__main__")
            assert done.value.code in (None, 0), f"{name} {args} exited with {done.value.code}"
            return out.getvalue()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
        env.setdefault(
            "TORCH_EXTENSIONS_DIR", str(Path(sys.prefix) / "torch_extensions")
        )  # DeepSpeed's CPU ops, built once (as make test sets it)
        done = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, timeout=600, capture_output=True, text=True)
        assert done.returncode == 0, f"{name} {args} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    return run
