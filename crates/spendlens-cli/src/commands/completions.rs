//! `spendlens completions SHELL` and `spendlens man`: shell completions and manual pages, generated
//! from the command-line definition itself, so they never fall behind it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash (source it, or put it in /etc/bash_completion.d/), zsh (a file named
    /// `_spendlens` on $fpath), fish (~/.config/fish/completions/spendlens.fish), elvish or
    /// powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `spendlens.1` and a page per subcommand (`spendlens-sync.1`, ...) into this folder
    /// instead of printing `spendlens.1`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn completions(args: &CompletionsArgs) -> Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "spendlens", &mut std::io::stdout());
    Ok(())
}

pub fn man(args: &ManArgs) -> Result<()> {
    let command = Cli::command();
    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command, dir).with_context(|| format!("writing manual pages to {}", dir.display()))?;
            eprintln!("manual pages written to {}", dir.display());
        }
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout()).context("writing the manual page")?,
    }
    Ok(())
}
