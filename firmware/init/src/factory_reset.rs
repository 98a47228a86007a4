//! The factory reset: the operator's only way to wipe the data area.
//!
//! It is asked for in one of two ways. On a running appliance, posternd (as its user)
//! leaves the file [`crate::paths::FACTORY_RESET_REQUEST`] in its state directory and reboots; at the
//! next boot init finds it on the mounted data area, unmounts the area, formats it and
//! mounts the new, empty one. When the data area is damaged and nothing mounts, posternd
//! cannot run: init then asks on the console, and only the typed word
//! [`CONFIRMATION`] erases the partition.

use crate::data_area;
use crate::error::InitError;
use nix::mount::umount;
use std::io::{self, BufRead, Write};
use std::path::Path;

/// What the operator types on the console to erase a damaged data area.
pub(crate) const CONFIRMATION: &str = "factory-reset";

/// Whether a reset was asked for: any entry at `request` counts, and a link there is
/// not followed.
pub(crate) fn requested(request: &Path) -> bool {
    std::fs::symlink_metadata(request).is_ok()
}

/// If `request` (on the data area mounted on `target`) exists, unmounts `device`,
/// formats it and mounts the empty file system again. Says whether it did.
pub(crate) fn apply_if_requested(device: &str, target: &Path, request: &Path) -> Result<bool, InitError> {
    if !requested(request) {
        return Ok(false);
    }
    tracing::warn!(device, request = %request.display(), "factory reset requested: erasing the data area");
    nix::unistd::sync();
    umount(target)
        .map_err(InitError::sys(format!("unmounting the data area {} for the factory reset", target.display())))?;
    data_area::format(device)?;
    data_area::mount_primary(device, target)?;
    tracing::warn!(device, "factory reset done: the data area is empty");
    Ok(true)
}

/// Tells the operator on the console that the data area is damaged (`damage`) and asks
/// for [`CONFIRMATION`]; true only when that word was typed. End of input is a refusal.
pub(crate) fn confirm(damage: &InitError, input: &mut impl BufRead, output: &mut impl Write) -> io::Result<bool> {
    write!(
        output,
        "\r\n{damage}.\r\n\
         The other choice is to erase it: the configuration, the device cache, the SSH host key,\r\n\
         the logs and the record of installed versions are lost, and the appliance starts as new.\r\n\
         Type {CONFIRMATION} and Enter to erase the data area, anything else to power off: "
    )?;
    output.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    Ok(answer.trim() == CONFIRMATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn damage() -> InitError {
        InitError::DataAreaDamaged { device: "/dev/vda2".into(), detail: "no backup superblock mounts".into() }
    }

    fn ask(typed: &str) -> (bool, String) {
        let mut output = Vec::new();
        let yes = confirm(&damage(), &mut typed.as_bytes(), &mut output).expect("in memory");
        (yes, String::from_utf8_lossy(&output).into_owned())
    }

    #[test]
    fn only_the_exact_word_erases() {
        assert!(ask("factory-reset\n").0);
        assert!(ask("  factory-reset \r\n").0);
        for refusal in ["", "\n", "yes\n", "factory\n", "FACTORY-RESET\n", "factory-reset-now\n"] {
            assert!(!ask(refusal).0, "{refusal:?}");
        }
    }

    #[test]
    fn the_prompt_names_the_device_and_what_is_lost() {
        let (_, shown) = ask("\n");
        assert!(shown.contains("/dev/vda2"), "{shown}");
        assert!(shown.contains("NOT formatted"), "{shown}");
        assert!(shown.contains("Type factory-reset"), "{shown}");
    }

    #[test]
    fn a_request_is_any_entry_and_its_absence_is_none() -> io::Result<()> {
        let dir = std::env::temp_dir().join(format!("postern-init-request-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let request = dir.join("factory-reset");
        let absent = requested(&request);
        std::os::unix::fs::symlink("/nonexistent", &request)?;
        let dangling_link = requested(&request);
        std::fs::remove_dir_all(&dir)?;
        assert!(!absent);
        assert!(dangling_link);
        Ok(())
    }

    #[test]
    fn a_request_erases_the_data_area_and_its_absence_keeps_it() -> io::Result<()> {
        use crate::data_area::tests::{Loop, mount_point};
        use crate::data_probe::tests::Image;
        let image = Image::ext4("reset", 1024)?;
        let Some(device) = Loop::attach(&image) else { return Ok(()) };
        let target = mount_point("reset")?;
        let request = target.join("postern/factory-reset");
        data_area::mount_primary(&device.0, &target).map_err(io::Error::other)?;
        let kept = apply_if_requested(&device.0, &target, &request);
        let hello_kept = target.join("hello").exists();
        std::fs::create_dir_all(target.join("postern"))?;
        std::fs::write(&request, "")?;
        let erased = apply_if_requested(&device.0, &target, &request);
        let hello_erased = !target.join("hello").exists() && !request.exists();
        let fresh = target.join("lost+found").is_dir() && std::fs::write(target.join("new"), "x").is_ok();
        drop(target);
        assert!(!kept.map_err(io::Error::other)?, "no request, no reset");
        assert!(hello_kept, "without a request the data stays");
        assert!(erased.map_err(io::Error::other)?, "the request was seen");
        assert!(hello_erased, "the old data and the request are gone");
        assert!(fresh, "a new, writable file system is mounted");
        Ok(())
    }
}
