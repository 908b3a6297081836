//! Entry point: Airbyte subcommands, or Singer-style flags (`--config`, `--discover`,
//! `--about`…) for hosts that expect a Singer tap; then run and exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    source_keycloak::output::install_panic_hook();
    let args: Vec<String> = std::env::args().collect();
    if source_keycloak::singer::looks_like_singer(&args) {
        return source_keycloak::singer::main(args);
    }
    let cli = source_keycloak::cli::Cli::parse_from(args);
    source_keycloak::run(cli.command, std::io::stdout().lock())
}
