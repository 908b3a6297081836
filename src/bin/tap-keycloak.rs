//! `tap-keycloak`: the connector in Singer mode, for Meltano.

fn main() -> std::process::ExitCode {
    source_keycloak::output::install_panic_hook();
    source_keycloak::singer::main(std::env::args().collect())
}
