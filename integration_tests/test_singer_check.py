"""singer-check-tap (singer-tools 0.4.1) passes on tap-keycloak against the real Keycloak:
a run without a catalog (every stream), every record valid against its stream's schema
(Draft4 + formats), SCHEMA before RECORD, then a second run with the last STATE.

singer-check-tap is driven through singer_check/run_check_tap.py, which runs singer-tools'
own checks but joins its reader thread before summarising (see that file: the unpatched
tool may crash on a fast tap with `'NoneType' object has no attribute 'num_messages'`)."""
from __future__ import annotations

import json
import os
import re

from host_tools import run, tap_bin, tool_venv
from kc_helpers import HERE

RUNNER = HERE / "singer_check" / "run_check_tap.py"


def test_singer_check_tap(config, activity, tmp_path):
    venv = tool_venv("singer-tools")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    # -d: the tap's log (stderr) is shown, so a failure here explains itself
    p = run([str(venv / "bin" / "python"), str(RUNNER), "--tap", tap_bin(),
             "--config", str(cfg), "--debug"], cwd=tmp_path, env=env, timeout=900,
            check=False)
    out = p.stdout
    assert p.returncode == 0, (f"singer-check-tap failed (exit {p.returncode})\n"
                               f"--- stdout\n{out[-5000:]}\n--- stderr\n{p.stderr[-5000:]}")
    # both passes ran and were valid: without state, then with the state of the first
    assert out.count("The output is valid.") == 2, out[-3000:]
    assert "Now re-running tap with state produced by previous run" in out
    records = [int(n) for n in re.findall(r"^\s*(\d+) record messages$", out, re.M)]
    states = [int(n) for n in re.findall(r"^\s*(\d+) state messages$", out, re.M)]
    assert len(records) == 2 and records[0] > 0, out[-3000:]
    assert len(states) == 2 and all(n > 0 for n in states), out[-3000:]
    assert config["client_secret"] not in out + p.stderr
