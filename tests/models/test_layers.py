"""Layers point one way: ``streams/`` builds on ``models/``, never the reverse."""

from pathlib import Path

import models
from tests.helpers import imported_modules

PACKAGE = Path(models.__file__).parent


def test_models_import_nothing_from_streams():
    offending = {
        f"{path.name}: {name}"
        for path in PACKAGE.glob("*.py")
        for name in imported_modules(path)
        if name == "streams" or name.startswith("streams.")
    }
    assert not offending, offending
