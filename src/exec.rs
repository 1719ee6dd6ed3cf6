//! Hand the process over to the app's command once the database is ready: same PID,
//! its exit code, its signals (no proxy process in between).

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Replaces pgready with `argv[0] argv[1..]`. Returns only on failure, with the
/// shell's exit code convention: 127 not found, 126 found but not runnable.
pub fn exec(argv: &[OsString]) -> i32 {
    let Some((program, args)) = argv.split_first() else {
        return 0;
    };
    let err = Command::new(program).args(args).exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    eprintln!(
        "pgready: cannot run {}: {err}",
        crate::report::clean(&program.to_string_lossy())
    );
    code
}
