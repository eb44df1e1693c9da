"""`served`: what `imr serve` does to an app before serving it, in each of its processes."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from openimr.api.app import served


def test_an_app_served_and_what_it_was_made_of_are_out_of_the_collectors_reach() -> None:
    gc.unfreeze()  # this process may have frozen nothing yet; the test puts it back as it was
    try:
        app = FastAPI()
        assert any(tracked is app for tracked in gc.get_objects()), "a new app is walked by every full collection"
        assert served(app) is app
        assert gc.get_freeze_count() > 0
        assert not any(tracked is app for tracked in gc.get_objects()), "served, it is walked by none"
    finally:
        gc.unfreeze()
