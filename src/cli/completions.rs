//! `offsync completions <bash|zsh|fish>` and `offsync man`: shell completions and the man page,
//! generated from the same clap definition the binary parses with, so they never drift.

use std::io::Write;

/// A shell offsync writes completions for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: Shell,
}

/// Writes the completion script for `shell` to `out`.
pub fn completions(
    shell: Shell,
    cmd: &mut clap::Command,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let name = cmd.get_name().to_string();
    // clap_complete panics on a write error; generate into memory and write here, so a closed
    // pipe (`offsync completions bash | head`) is an error we can handle.
    let mut script = Vec::new();
    clap_complete::generate(shell, cmd, name, &mut script);
    out.write_all(&script)
}

/// Writes the man page (roff, section 1) to `out`.
pub fn man(cmd: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)
}
