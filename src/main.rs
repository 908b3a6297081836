//! Entry point: parse arguments, run, exit with the command's code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = source_keycloak::cli::Cli::parse();
    source_keycloak::run(cli.command, std::io::stdout().lock())
}
