//! End to end, as a person uses it: the real binary in a real terminal (tmux), driven by
//! key presses, read back with `capture-pane`. Every wait polls the screen for the text
//! the step must produce (with a timeout), never a fixed sleep.
//!
//! Skipped, with the reason printed, when tmux is not installed (`.ci/run` installs it).
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_offsync");
const PROMPT: &str = "e2e$ ";

pub struct Tmux {
    socket: String,
    /// The socket file, removed on drop (the server leaves it behind).
    socket_path: Option<PathBuf>,
}

impl Tmux {
    pub fn new(home: &Path, tag: &str) -> Tmux {
        let mut t = Tmux {
            socket: format!("offsync-e2e-{}-{tag}", std::process::id()),
            socket_path: None,
        };
        // A bare shell with a known prompt, HOME in the temp dir, nothing from the user's rc.
        let shell = format!(
            "env -i PATH={} HOME={} TERM=xterm-256color LANG=C.UTF-8 PS1='{PROMPT}' sh",
            std::env::var("PATH").unwrap_or_default(),
            home.display()
        );
        t.run(&[
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            "e2e",
            &shell,
        ]);
        t.socket_path = Some(PathBuf::from(
            t.run(&["display", "-p", "#{socket_path}"]).trim(),
        ));
        // capture-pane drops trailing blanks, so look for the prompt without its space.
        t.wait_for(PROMPT.trim_end(), "shell prompt");
        t
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn wait_for(&self, needle: &str, what: &str) -> String {
        self.wait_until(|s| s.contains(needle), what)
    }

    pub fn wait_until(&self, ok: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// After offsync exits: the alternate screen is left and the tty is cooked again.
    pub fn assert_restored(&self) {
        assert_eq!(
            self.run(&["display", "-p", "-t", "e2e", "#{alternate_on}"])
                .trim(),
            "0",
            "alternate screen left"
        );
        // The marker is computed by the shell, so the echoed command line never matches it.
        self.text("clear; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | sort | tr '\\n' ' '; echo STTY-$((6*7))");
        self.keys(&["Enter"]);
        let s = self.wait_for("STTY-42", "stty output");
        let line = s.lines().find(|l| l.contains("STTY-42")).unwrap_or("");
        assert!(
            line.contains("echo icanon") && !line.contains("-icanon") && !line.contains("-echo"),
            "tty not sane: {line}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The background simulator, killed when the test ends (pass or fail).
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `offsync sim serve --write-config DIR` in the background; returns when the config exists.
fn serve(dir: &Path) -> Server {
    serve_with(dir, &["--users", "60", "--devices", "150"])
}

/// `offsync sim serve ARGS --write-config DIR` in the background; returns when the config exists.
pub fn serve_with(dir: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["sim", "serve"])
        .args(args)
        .arg("--write-config")
        .arg(dir)
        .env("HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("offsync sim serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The server prints its base URL after writing the config: wait for that line.
    for line in lines.by_ref() {
        if line.expect("sim output").starts_with("http://") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(dir.join("config.toml").exists());
    Server(child)
}

/// CSV rows, with `last_sync` blanked when it differs only by moving forward: simulated
/// phones keep syncing between the two listings, which is real data changing, not a bug.
fn same_csv(tui: &str, cli: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (tui.lines().collect(), cli.lines().collect());
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            let (fx, fy): (Vec<&str>, Vec<&str>) = (x.split(',').collect(), y.split(',').collect());
            fx.len() == fy.len()
                && fx
                    .iter()
                    .zip(&fy)
                    .enumerate()
                    .all(|(i, (p, q))| p == q || (i == 7 && p <= q))
        })
}

#[test]
fn dashboard_in_a_real_terminal() {
    if !have_tmux() {
        eprintln!("skipped e2e_tmux: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _sim = serve(dir.path());
    let config = dir.path().join("config.toml");
    let t = Tmux::new(dir.path(), "ui");
    t.text(&format!(
        "{BIN} --config {}; echo EXITED-$?",
        config.display()
    ));
    t.keys(&["Enter"]);
    t.wait_until(
        |s| s.contains("of 150 dev") && !s.contains("loading"),
        "the inventory",
    );

    t.text(":devices type=google_sync ou=/Pil");
    t.keys(&["Tab"]);
    t.wait_for(":devices type=google_sync ou=/Pilot", "completion");
    t.keys(&["Enter"]);
    t.wait_for("· /Pilot", "the /Pilot scope");
    t.keys(&["Enter"]);
    t.wait_for("Resource ID", "the device detail");
    t.keys(&["Escape"]);
    t.wait_until(|s| !s.contains("Resource ID"), "the table again");

    let csv = dir.path().join("pilot.csv");
    t.text(&format!(":export csv {}", csv.display()));
    t.keys(&["Enter"]);
    t.wait_for("exported", "the export");
    let tui_csv = std::fs::read_to_string(&csv).unwrap();
    assert!(tui_csv.lines().count() > 1, "{tui_csv}");
    assert!(
        tui_csv
            .lines()
            .skip(1)
            .all(|l| l.contains("GOOGLE_SYNC") && l.contains("/Pilot")),
        "{tui_csv}"
    );
    let cli = Command::new(BIN)
        .args(["--config"])
        .arg(&config)
        .args([
            "devices",
            "--type",
            "google-sync",
            "--ou",
            "/Pilot",
            "--include-children",
            "--format",
            "csv",
        ])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    if cli.status.success() {
        let cli_csv = String::from_utf8(cli.stdout).unwrap();
        assert!(
            same_csv(&tui_csv, &cli_csv),
            "TUI export:\n{tui_csv}\nCLI:\n{cli_csv}"
        );
    } else {
        eprintln!(
            "e2e_tmux: `offsync devices` unavailable, CSV compared by content only: {}",
            String::from_utf8_lossy(&cli.stderr)
        );
    }

    t.keys(&["4"]);
    t.wait_for("Log:", "the Log pane");
    t.keys(&["2"]);
    t.wait_for(
        "evidence read",
        "the Checklist pane's first reading of the migration",
    );
    t.keys(&["Tab"]);
    t.wait_for("Feed:", "the Feed pane");
    t.keys(&["1"]);
    t.keys(&["?"]);
    t.wait_for("Help (Esc closes", "help");
    t.keys(&["Escape"]);
    t.wait_until(|s| !s.contains("Help (Esc closes"), "help closed");
    t.keys(&["q"]);
    t.wait_for("EXITED-0", "offsync to exit");
    t.assert_restored();
}

#[test]
fn sighup_mid_load_restores_the_terminal() {
    if !have_tmux() {
        eprintln!("skipped e2e_tmux: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = Tmux::new(dir.path(), "hup");
    let pidfile = dir.path().join("pid");
    // `exec` keeps the pid, so the file names offsync itself.
    t.text(&format!(
        "sh -c 'echo $$ > {}; exec {BIN} demo --users 500 --devices 20000 --latency-ms 300'; echo EXITED-$?",
        pidfile.display()
    ));
    t.keys(&["Enter"]);
    t.wait_for("loading", "the load to start");
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    t.wait_for("EXITED-", "offsync to exit on SIGHUP");
    t.assert_restored();
}

/// The Feed pane and the burndown in the demo, the feed polling every 5 s of this machine's
/// time while the simulated tenant runs 600 times faster.
#[test]
fn feed_pane_and_burndown_in_the_demo() {
    if !have_tmux() {
        eprintln!("skipped e2e_tmux: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = Tmux::new(dir.path(), "feed");
    t.text(&format!(
        "{BIN} demo --users 300 --devices 800 --latency-ms 0 --feed-every 5 --time-scale 600; echo EXITED-$?"
    ));
    t.keys(&["Enter"]);
    t.wait_until(
        |s| s.contains("of 800 dev") && !s.contains("loading"),
        "the inventory from the feed's first listing",
    );
    t.keys(&["3"]);
    t.wait_for("directory baseline", "the Directory baseline event");
    // At 80 columns the header says "polling HH:MM".
    t.wait_until(
        |s| s.lines().nth(1).is_some_and(|l| l.contains(" polling ")),
        "the header saying this process polls",
    );
    // Every source reports a baseline; the newest is on top.
    t.wait_for("audit     baseline", "the audit baseline");
    t.keys(&["v"]);
    t.wait_for("severity>=notice", "the severity filter");
    t.keys(&["Escape"]);
    t.wait_until(|s| !s.contains("severity>="), "the filter cleared");
    t.keys(&["s"]);
    t.wait_for("(source=directory)", "the source filter");
    t.keys(&["Escape"]);
    // Esc then a key at once reads as Alt+key: wait for the Esc to land first.
    t.wait_until(|s| !s.contains("(source="), "the source filter cleared");
    t.keys(&["p"]);
    t.wait_for("PAUSED:", "paused");
    t.keys(&["p"]);
    t.wait_until(|s| !s.contains("PAUSED:"), "resumed");
    // 80×24 is too small for both: `c` shows the burndown over the whole pane.
    t.keys(&["c"]);
    let chart = t.wait_for("Burndown: active Google Sync devices", "the burndown");
    assert!(chart.contains("deadline"), "{chart}");
    t.wait_for("total ", "the total's line in the legend");
    t.keys(&["?"]);
    t.wait_for("pause / resume", "the Feed pane's keys in help");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_for("EXITED-0", "offsync to exit");
    t.assert_restored();
}
