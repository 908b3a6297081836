# The README's commands. `make sync`: a full sync of every stream from a local real
# Keycloak with the sample realm into output/. `make test`: the whole test suite (what CI runs).
# `make bench`: every stream at 10k, 100k and 1M users against the fake (BENCHMARKS.md).
.PHONY: sync test fake bench
sync:
	bash integration_tests/sync_demo.sh
test:
	bash scripts/test.sh
fake:
	cargo run -p fake-keycloak --release -- --port 8080
bench:
	python3 bench/bench.py --markdown bench/results.md --json bench/results.json
