# The README's commands. `make sync`: a full sync of every stream from a local real
# Keycloak with the sample realm into output/. `make test`: the whole test suite (what CI runs).
.PHONY: sync test fake
sync:
	bash integration_tests/sync_demo.sh
test:
	bash scripts/test.sh
fake:
	cargo run -p fake-keycloak --release -- --port 8080
