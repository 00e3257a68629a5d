//! Files offsync writes for the admin (exports, `--output`). The path is resolved first:
//! - a regular file, or nothing yet: the data goes to a temporary file created exclusively,
//!   with an unpredictable name, beside the resolved target (the `tempfile` crate), is
//!   flushed and synced, then renamed over the target. A failure or a killed process never
//!   leaves a half-written export, and nothing planted at a guessable temporary name (a
//!   symlink to another file) can be written through. An existing file keeps its mode; a
//!   new one gets the usual `0666` less the umask, like any file the admin creates.
//! - a FIFO, a terminal, a device (`/dev/stdout` on a pipe or a terminal): written
//!   directly, because replacing it with a plain file would break what it is.
//! - a directory or a dangling symlink: an error, nothing is written.
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` with `fill` as described in the module docs. On error any temporary file
/// is removed and an existing file at `path` is left untouched.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match resolve(path)? {
        Target::Direct(resolved) => {
            // Neither create nor truncate: a FIFO or a device is used as it is.
            let file = fs::OpenOptions::new().write(true).open(&resolved)?;
            let mut w = BufWriter::new(file);
            fill(&mut w)?;
            w.flush()
        }
        Target::Replace { path, mode } => replace(&path, mode, fill),
    }
}

enum Target {
    /// Write into it as it is.
    Direct(PathBuf),
    /// Write a temporary file beside `path` and rename it over; `mode` of the existing file.
    Replace { path: PathBuf, mode: Option<u32> },
}

fn resolve(path: &Path) -> io::Result<Target> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Target::Replace {
            path: fs::canonicalize(path)?,
            mode: Some(file_mode(&m)),
        }),
        Ok(m) if m.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory; name a file",
        )),
        Ok(_) => Ok(Target::Direct(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "it is a symlink to nothing; remove it or name the file it should point to",
                ));
            }
            // The directory must exist; resolve it so the rename lands where asked.
            let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(d) => fs::canonicalize(d)?,
                None => std::env::current_dir()?,
            };
            let name = path
                .file_name()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
            Ok(Target::Replace {
                path: dir.join(name),
                mode: None,
            })
        }
        Err(e) => Err(e),
    }
}

fn replace(
    path: &Path,
    mode: Option<u32>,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates 0600 files; an export is an ordinary file (umask applies) unless it
    // replaces one whose mode the admin chose.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(
        mode.unwrap_or(0o666),
    ));
    // Removed on drop, so every early return below cleans up.
    let tmp = builder.tempfile_in(dir)?;
    let mut w = BufWriter::new(tmp);
    fill(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        // Creation applied the umask; an existing file's mode is restored exactly.
        tmp.as_file()
            .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn file_mode(m: &fs::Metadata) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777
}

#[cfg(not(unix))]
fn file_mode(_: &fs::Metadata) -> u32 {
    0o666
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old").unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file removed"
        );
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn directories_and_dangling_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomically(dir.path(), |w| w.write_all(b"x")).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let e = write_atomically(&link, |w| w.write_all(b"x")).unwrap_err();
            assert!(e.to_string().contains("symlink to nothing"), "{e}");
            assert!(!dir.path().join("nowhere").exists());
        }
    }
}
