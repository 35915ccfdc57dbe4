import os

import pytest


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
