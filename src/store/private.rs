//! Files that hold personal data (the database with its journal and cache, the log) are
//! created readable by the owner only: 0600 files in 0700 directories. Directories offsync
//! creates are private; an existing directory is left as the admin set it (it may be a
//! shared parent such as the home directory), but offsync's own files are tightened.
use std::fs;
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents with mode 0700.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Makes sure `file` exists with mode 0600 (creating it empty, or tightening an existing
/// file written by an older offsync), so whatever opens it next writes into a private file.
pub fn ensure_file(file: &Path) -> io::Result<()> {
    let mut o = fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if f.metadata()?.permissions().mode() & 0o077 != 0 {
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Tightens `file` to 0600 if it exists, never creating it. For SQLite's -wal and -shm:
/// creating one while another offsync's last connection deletes it would give two processes
/// two different shared-memory files for one database (SIGBUS, "disk I/O error").
pub fn tighten_existing(file: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match fs::metadata(file) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                match fs::set_permissions(file, fs::Permissions::from_mode(0o600)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    let _ = file;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_and_old_files_end_up_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir_all(&dir).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("x.sqlite");
        fs::write(&f, "old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        ensure_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        assert_eq!(fs::read_to_string(&f).unwrap(), "old", "contents kept");
        let g = dir.join("new.log");
        ensure_file(&g).unwrap();
        assert_eq!(mode(&g), 0o600);
    }
}
