"""How results leave the package: strict JSON text, and files written whole or not at all."""

from __future__ import annotations

import errno
import json
import math
import os
import re

import pytest

from bubbleguard._output import json_text, write_atomic
from bubbleguard.errors import BubbleguardError


def test_json_text_is_strict_json_with_the_characters_kept():
    text = json_text({"name": "中文 €", "values": [1.5, None, 2]})
    assert text.endswith("}\n") and "中文 €" in text
    assert json.loads(text, parse_constant=pytest.fail) == {"name": "中文 €", "values": [1.5, None, 2]}
    assert json_text([1], indent=None) == "[1]"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_is_refused_with_its_path(bad):
    with pytest.raises(ValueError, match=r"not finite at \$\['deals'\]\[1\]\['score'\] \((nan|inf|-inf)\)"):
        json_text({"deals": [{"score": 1.0}, {"score": bad}]})


def test_write_atomic_replaces_and_says_so(tmp_path):
    target = tmp_path / "r.txt"
    assert write_atomic(target, b"one") is False
    assert write_atomic(target, b"two") is True
    assert target.read_bytes() == b"two" and [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def _no_space(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.txt"
    target.write_bytes(b"before")
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(BubbleguardError) as err:
        write_atomic(target, b"after" * 1000)
    assert str(err.value) == (f"Cannot write {target}: No space left on device. Nothing was written; "
                              "free some space or choose another --output path.")
    assert target.read_bytes() == b"before" and [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_a_folder_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    where = re.escape(str(tmp_path))
    with pytest.raises(BubbleguardError, match=rf"Cannot write {where}/r\.txt: Permission denied in "
                                               rf"{where}\. Check the folder's permissions"):
        write_atomic(tmp_path / "r.txt", b"x", what="path")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_for_real(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(BubbleguardError, match="Permission denied"):
        write_atomic(folder / "r.txt", b"x")
    assert list(folder.iterdir()) == []


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"keep me")
    link = tmp_path / "r.txt"
    link.symlink_to(elsewhere)
    write_atomic(link, b"report")
    assert elsewhere.read_bytes() == b"keep me"
    assert not link.is_symlink() and link.read_bytes() == b"report"
