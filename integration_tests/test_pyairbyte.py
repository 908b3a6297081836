"""PyAirbyte as a real host: check, read into DuckDB, read again (no doubling)."""
from __future__ import annotations

import os

from kc_helpers import connector_bin


def test_pyairbyte_read_twice(config, ground_truth, tmp_path):
    os.environ["AIRBYTE_OFFLINE_MODE"] = "1"  # before the first import of airbyte
    import airbyte as ab

    source = ab.get_source("source-keycloak", config=config,
                           local_executable=connector_bin())
    source.check()
    source.select_all_streams()
    assert set(ground_truth) <= set(source.get_selected_streams())

    cache = ab.new_local_cache(cache_name="source_keycloak_it", cache_dir=tmp_path / "cache")
    for attempt in (1, 2):
        result = source.read(cache=cache)
        counts = {name: len(result[name]) for name in ground_truth}
        want = {name: len(keys) for name, keys in ground_truth.items()}
        assert counts == want, f"read #{attempt}: PyAirbyte cache counts {counts} != Keycloak {want}"
        # also via the cache object itself
        for name in ground_truth:
            assert len(cache[name]) == want[name], f"read #{attempt}: cache[{name}]"
