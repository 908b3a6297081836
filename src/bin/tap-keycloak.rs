//! `tap-keycloak`: the connector in Singer mode, for Meltano.

fn main() -> std::process::ExitCode {
    source_keycloak::singer::main(std::env::args().collect())
}
