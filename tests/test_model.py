"""The one convention for result types, and the one writer of JSON text."""

from __future__ import annotations

import json
import math

import pytest

from bubbleguard._model import json_text


def test_json_text_is_strict_json_with_the_characters_kept():
    text = json_text({"name": "中文 €", "values": [1.5, None, 2]})
    assert text.endswith("}\n") and "中文 €" in text
    assert json.loads(text, parse_constant=pytest.fail) == {"name": "中文 €", "values": [1.5, None, 2]}
    assert json_text([1], indent=None) == "[1]"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_is_refused_with_its_path(bad):
    with pytest.raises(ValueError, match=r"not finite at \$\['deals'\]\[1\]\['score'\] \((nan|inf|-inf)\)"):
        json_text({"deals": [{"score": 1.0}, {"score": bad}]})
