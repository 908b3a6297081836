# The README's commands. `make sync`: a full sync of every stream from a local real
# Keycloak with the sample realm into output/. `make test`: the whole test suite (what CI runs).
# `make bench`: every stream at 10k, 100k and 1M users against the fake (BENCHMARKS.md).
# `make bench-real`: a full sync of the sample realm scaled to 10,000 users on a real Keycloak,
# once per page size (BENCHMARKS.md, "On a real Keycloak").
# `make image`: build the Airbyte image with podman (scripts/image.sh: stand-ins of the base
# images, since no registry is reachable here). `make test-image`: build it and run only the
# image tests (integration_tests/test_image.py) against a real Keycloak.
.PHONY: sync test image test-image fake bench bench-real
sync:
	bash integration_tests/sync_demo.sh
test:
	bash scripts/test.sh
image:
	bash scripts/image.sh build
test-image: image
	eval "$$(bash scripts/image.sh env)" && export SOURCE_KEYCLOAK_IMAGE && \
		bash integration_tests/run.sh -k test_image; rc=$$?; bash scripts/image.sh stop; exit $$rc
fake:
	cargo run -p fake-keycloak --release -- --port 8080
bench:
	python3 bench/bench.py --markdown bench/results.md --json bench/results.json
bench-real:
	python3 bench/real_keycloak.py --users 10000 --configs page_size=100 page_size=500 \
		--markdown bench/real-results.md --json bench/real-results.json
