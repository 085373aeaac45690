"""Files written to storage during a write that then fails are deleted again.

Rolling back the database cannot take back a file already in storage: without this, a picture or
a PDF whose row was rolled back stays on disk, belonging to nothing. A service that writes a file
runs inside `deleted_on_error()` and calls `file_written()` after each file it saves; a view that
wraps several services in one transaction wraps that transaction in `deleted_on_error()` too, so a
failure after the services returned still takes their files away."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)

# One list of (storage, name) for each `deleted_on_error()` block open in this context, outermost
# first: a file belongs to every block around it, since any of them may still fail.
_open_blocks: ContextVar[tuple[list[tuple[Any, str]], ...]] = ContextVar("heard_files_written", default=())


@contextlib.contextmanager
def deleted_on_error() -> Iterator[None]:
    """Delete the files written inside this block if the block raises. Put it outside the
    transaction (`@deleted_on_error()` above `@transaction.atomic`), so a failed commit counts too."""
    written: list[tuple[Any, str]] = []
    token = _open_blocks.set((*_open_blocks.get(), written))
    try:
        yield
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except OSError:  # the original error matters more than a file we could not remove
                logger.warning("Could not delete %s after a failed write", name, exc_info=True)
        raise
    finally:
        _open_blocks.reset(token)


def file_written(field_file: Any) -> None:
    """Note a file just saved to storage, to delete if an enclosing `deleted_on_error()` fails."""
    if field_file and field_file.name:
        for written in _open_blocks.get():
            written.append((field_file.storage, field_file.name))
