//! Paths inside an unpacked package: symbolic links are followed within the package's
//! directory (an absolute link target is taken from the package's root), never outside.

use std::path::{Component, Path, PathBuf};

/// The regular file at `path` (absolute, as in the image) inside `tree`, following links
/// inside the tree; `None` when there is none or a link leaves it or loops.
pub(crate) fn resolve(tree: &Path, path: &str) -> Option<PathBuf> {
    let mut pending: Vec<String> = Vec::new();
    push_components(&mut pending, path);
    let mut at: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                at.pop();
                continue;
            }
            _ => {}
        }
        at.push(part);
        let full = tree.join(at.join("/"));
        let meta = std::fs::symlink_metadata(&full).ok()?;
        if meta.is_symlink() {
            links += 1;
            if links > 40 {
                return None;
            }
            let target = std::fs::read_link(&full).ok()?;
            let target = target.to_str()?;
            at.pop();
            if target.starts_with('/') {
                at.clear();
            }
            push_components(&mut pending, target);
        }
    }
    let full = tree.join(at.join("/"));
    std::fs::symlink_metadata(&full).ok().filter(|m| m.is_file()).map(|_| full)
}

/// Pushes the parts of `path` onto `pending` so that the first part is popped first.
fn push_components(pending: &mut Vec<String>, path: &str) {
    for c in Path::new(path).components().rev() {
        match c {
            Component::Normal(s) => pending.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => pending.push("..".into()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_inside_the_tree_only() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path();
        std::fs::create_dir_all(t.join("lib/x86_64-linux-gnu")).expect("dirs");
        std::fs::create_dir_all(t.join("lib64")).expect("dirs");
        std::fs::write(t.join("lib/x86_64-linux-gnu/libext2fs.so.2.4"), b"lib").expect("lib");
        symlink("libext2fs.so.2.4", t.join("lib/x86_64-linux-gnu/libext2fs.so.2")).expect("relative");
        symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", t.join("lib64/ld-linux-x86-64.so.2")).expect("absolute");
        std::fs::write(t.join("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), b"ld").expect("ld");
        symlink("../../../../etc/passwd", t.join("lib/escape")).expect("escape");
        symlink("loop", t.join("lib/loop")).expect("loop");
        assert_eq!(
            resolve(t, "/lib/x86_64-linux-gnu/libext2fs.so.2"),
            Some(t.join("lib/x86_64-linux-gnu/libext2fs.so.2.4"))
        );
        assert_eq!(
            resolve(t, "/lib64/ld-linux-x86-64.so.2"),
            Some(t.join("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
        );
        assert_eq!(resolve(t, "/lib/escape"), None, "a link cannot climb out of the tree");
        assert_eq!(resolve(t, "/lib/loop"), None);
        assert_eq!(resolve(t, "/lib/x86_64-linux-gnu/libnone.so.1"), None);
        assert_eq!(resolve(t, "/lib"), None, "a directory is not a file");
    }
}
