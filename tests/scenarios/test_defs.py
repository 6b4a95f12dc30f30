"""Scenario files: what a user may write, and what is refused."""

from __future__ import annotations

import pytest

from bubbleguard.errors import ScenarioError
from bubbleguard.scenarios import load_scenarios


@pytest.mark.parametrize("shock", ["symbol = { NVDA = nan }", "dependence_extra = nan"])
def test_a_shock_that_is_not_a_number_is_refused(snapshot, tmp_path, shock):
    path = tmp_path / "s.toml"
    path.write_text(f'[[hypothetical]]\nid = "x"\n[hypothetical.shocks]\n{shock}\n')
    with pytest.raises(ScenarioError, match=r"scenario 'x': shocks\.\S+ = nan is not a number"):
        load_scenarios(path, snapshot=snapshot)


def test_control_characters_in_names_and_descriptions_are_dropped(snapshot, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[[hypothetical]]\nid = "glut\\u001b[2J"\nname = "Chip \\u001b]8;;http://x\\u0007glut"\n'
                    'description = "bell\\u0007 and\\nbreak"\n[hypothetical.shocks]\n'
                    'asset_class = { equity = -0.1 }\n')
    (mine,) = [s for s in load_scenarios(path, snapshot=snapshot) if s.source == str(path)]
    assert (mine.id, mine.name, mine.description) == ("glut[2J", "Chip ]8;;http://xglut", "bell and break")
