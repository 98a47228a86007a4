//! `cargo xtask pins`: the Debian packages a board pins by version and sha256.

mod board_text;
mod decide;
mod update;

/// Options of `cargo xtask pins`.
#[derive(clap::Args)]
pub(crate) struct PinsArgs {
    #[command(subcommand)]
    command: PinsCommand,
}

/// What to do with the pins.
#[derive(clap::Subcommand)]
enum PinsCommand {
    /// Move the board's kernel, systemd-boot and userland pins to what Debian's archive serves now.
    Update(update::UpdateArgs),
}

/// `cargo xtask pins`.
pub(crate) fn run(args: &PinsArgs) -> crate::shell::Result {
    match &args.command {
        PinsCommand::Update(update) => update::run(update),
    }
}
