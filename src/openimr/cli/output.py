"""Files the commands write: whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from openimr.errors import OpenIMRError


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, so no half-written file is left."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OpenIMRError(f"cannot write: no such folder {str(folder)!r}", str(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OpenIMRError(f"cannot write here ({error.strerror or error.__class__.__name__})", str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OpenIMRError(f"cannot write file ({error.strerror or error.__class__.__name__})", str(path)) from None


def emit(data: bytes, out: Path | None, binary: bool) -> None:
    """Write a command's output to `out` (whole or not at all), or print it; binary output (a PDF) needs a file."""
    if out is not None:
        write_atomically(out, data)
    elif binary:
        raise OpenIMRError("a PDF needs an output file (-o OUT)", "--format")
    else:
        typer.echo(data.decode(), nl=False)
