//! Writes pgready's man pages (`pgready.1` and one per command) into the directory
//! given, from the same clap definition the binary parses with:
//! `cargo run --example man -- dist/man`.

use clap::CommandFactory;

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "dist/man".into());
    std::fs::create_dir_all(&dir)?;
    clap_mangen::generate_to(pgready::cli::Cli::command(), &dir)
}
