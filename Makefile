# The README's commands. `make sync`: a full sync of every stream from a local real
# Keycloak with the sample realm into output/. `make test`: the whole test suite (what CI runs).
# `make bench`: every stream at 10k, 100k and 1M users against the fake (BENCHMARKS.md).
# `make bench-real`: a full sync of the sample realm scaled to 10,000 users on a real Keycloak,
# once per page size (BENCHMARKS.md, "On a real Keycloak").
.PHONY: sync test fake bench bench-real
sync:
	bash integration_tests/sync_demo.sh
test:
	bash scripts/test.sh
fake:
	cargo run -p fake-keycloak --release -- --port 8080
bench:
	python3 bench/bench.py --markdown bench/results.md --json bench/results.json
bench-real:
	python3 bench/real_keycloak.py --users 10000 --configs page_size=100 page_size=500 \
		--markdown bench/real-results.md --json bench/real-results.json
