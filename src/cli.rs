//! Command-line arguments: the Airbyte subcommands, parsed by clap into one `Command`.

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "source-keycloak",
    version,
    about = "Airbyte source for Keycloak: users, groups, roles and clients via the Admin REST API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the connector's SPEC message (its config schema).
    Spec,
    /// Test the config: credentials, realm, and which streams the client may read.
    Check {
        #[arg(long)]
        config: String,
    },
    /// Print the catalog of streams.
    Discover {
        #[arg(long)]
        config: String,
    },
    /// Read the streams of a configured catalog.
    Read {
        #[arg(long)]
        config: String,
        #[arg(long)]
        catalog: String,
        #[arg(long)]
        state: Option<String>,
    },
}
