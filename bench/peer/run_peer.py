"""Runs bench/peer/manifest.yaml with airbyte-cdk's declarative engine, as
`source-declarative-manifest` would: `python run_peer.py read --config C --catalog K`."""

import json
import os
import sys

from airbyte_cdk.entrypoint import launch
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.yaml")

if __name__ == "__main__":
    args = sys.argv[1:]
    # The engine reads `page_size` when it builds the paginator, before `read` loads the
    # config, so the config is handed to it up front (as the Airbyte platform does).
    config = None
    if "--config" in args:
        with open(args[args.index("--config") + 1]) as f:
            config = json.load(f)
    launch(YamlDeclarativeSource(path_to_yaml=MANIFEST, config=config), args)
