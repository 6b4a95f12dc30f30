"""How results leave the package: strict JSON text, and files written whole or not at all.

Every JSON text the package writes goes through :func:`json_text`: strict JSON, with no ``NaN``
or ``Infinity`` (which strict parsers reject). Inputs are bounded so that none can arise; one
that does anyway is a bug, and :func:`json_text` names where it is instead of writing it.

Every file the package writes for a user (reports, post-trade holdings, deal pictures, fund
holdings fetched by ``data refresh``) goes through :func:`write_atomic`: into a new temporary
file in the target folder (created exclusively, so never through a planted link), then renamed
over the target. A full disk, a read-only folder or a killed process leaves the target as it
was, and the failure is a :class:`~bubbleguard.errors.BubbleguardError` naming the path.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .errors import BubbleguardError

__all__ = ["json_text", "write_atomic"]


def json_text(data: Any, indent: int | None = 2) -> str:
    """``data`` as strict JSON text (UTF-8 characters kept), ending with a line break when indented.

    Raises
    ------
    ValueError
        ``data`` holds a NaN or an infinity; the message gives its path (a bug: the inputs
        are bounded so that none can arise).
    """
    try:
        text = json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:
        raise ValueError(f"a number that is not finite at {_non_finite(data, '$')} would make "
                         "the JSON output invalid") from None
    return text + "\n" if indent is not None else text


def _non_finite(data: Any, path: str) -> str:
    """The path of the first NaN or infinity in ``data`` ("" when there is none)."""
    if isinstance(data, float) and not math.isfinite(data):
        return f"{path} ({data})"
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, (list, tuple)) else ()
    for key, value in items:
        found = _non_finite(value, f"{path}[{key!r}]" if isinstance(key, str) else f"{path}[{key}]")
        if found:
            return found
    return ""


def write_atomic(path: str | os.PathLike[str], data: bytes, *, what: str = "--output path") -> bool:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the permissions a plain write would give (``0666`` less the umask). An
    existing file is replaced; the return value says whether there was one.

    Parameters
    ----------
    path
        The target file.
    data
        Its whole content.
    what
        How the messages name the choice the user can change ("choose another ...").

    Raises
    ------
    BubbleguardError
        The folder is missing, the target is a folder, or the folder cannot be written (its
        permissions, a full disk): nothing is left under the target's name.
    """
    import tempfile

    output = Path(path)
    folder = output.parent
    if not folder.is_dir():
        raise BubbleguardError(f"Cannot write {output}: the folder {folder} does not exist. "
                               f"Create it or choose another {what}.")
    if output.is_dir():
        raise BubbleguardError(f"Cannot write {output}: it is a folder. Give a file name.")
    existed = output.exists()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)  # O_EXCL: no link followed
    except OSError as exc:
        raise BubbleguardError(f"Cannot write {output}: {exc.strerror} in {folder}. Check the "
                               f"folder's permissions or choose another {what}.") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the permissions a plain write would give, not mkstemp's
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BubbleguardError(f"Cannot write {output}: {exc.strerror}. Nothing was written; free "
                               f"some space or choose another {what}.") from None
    return existed
