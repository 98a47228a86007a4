//! `posternd --privileged-helper USER`: the helper mode (see `postern-privileged-helper`),
//! which posternd starts itself, by running its own program again, before it gives up root.

use std::process::ExitCode;

/// Runs the privileged helper when the process was started as one, and says how it ended;
/// `None` in every other mode (the daemon then parses its options as usual).
pub fn privileged_helper() -> Option<ExitCode> {
    let mut argv = std::env::args_os().skip(1);
    if argv.next()? != postern_privileged_helper::HELPER_FLAG {
        return None;
    }
    let Some(user) = argv.next().and_then(|u| u.into_string().ok()) else {
        eprintln!("posternd: {} needs a user name", postern_privileged_helper::HELPER_FLAG);
        return Some(ExitCode::FAILURE);
    };
    Some(match postern_privileged_helper::run(&user) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("posternd: privileged helper: {error}");
            ExitCode::FAILURE
        }
    })
}
