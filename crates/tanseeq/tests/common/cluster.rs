//! A private PostgreSQL server for one test: its own data directory and ephemeral port, so a
//! test may stop and start it (a database restart under a serving node) without touching the
//! machine's shared server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    running: bool,
}

/// Where the PostgreSQL server programs are: `TANSEEQ_PG_BINDIR`, else `pg_config --bindir`,
/// else the newest /usr/lib/postgresql/N/bin.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("TANSEEQ_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("pg_ctl").exists() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .pop()
        .filter(|dir| dir.join("pg_ctl").exists())
        .expect("no PostgreSQL server programs (set TANSEEQ_PG_BINDIR or install postgresql)")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PrivateCluster {
    /// `initdb` and start a server on 127.0.0.1 at an ephemeral port (trust authentication).
    pub fn start() -> PrivateCluster {
        let dir = tempfile::Builder::new()
            .prefix("tanseeq-pg-")
            .tempdir()
            .expect("temp dir");
        let cluster = PrivateCluster {
            bin: bin_dir(),
            port: free_port(),
            running: false,
            dir,
        };
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.dir.path())
                .status()
                .expect("chown")
                .success();
            assert!(ok, "chown of the cluster directory to postgres");
        }
        cluster.pg(
            "initdb",
            &[
                "-D",
                &cluster.data_dir(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let mut cluster = cluster;
        cluster.resume();
        cluster
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn socket_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Runs a server program (as `postgres` when we are root) and insists on success.
    fn pg(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server the hard way (as a crash would): no shutdown checkpoint; committed
    /// transactions survive through the write-ahead log.
    pub fn crash(&mut self) {
        self.pg(
            "pg_ctl",
            &["stop", "-D", &self.data_dir(), "-m", "immediate", "-w"],
        );
        self.running = false;
    }

    /// Starts the server again on the same port and waits until it accepts connections.
    pub fn resume(&mut self) {
        let log = self.dir.path().join("server.log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.socket_dir()
        );
        self.pg(
            "pg_ctl",
            &[
                "start",
                "-D",
                &self.data_dir(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
            ],
        );
        self.running = true;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(Path::new(&self.dir.path().join("server.log"))).unwrap_or_default()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.running {
            let path = self.bin.join("pg_ctl");
            let data = self.data_dir();
            let args = ["stop", "-D", data.as_str(), "-m", "immediate", "-w"];
            let _ = if is_root() {
                Command::new("runuser")
                    .args(["-u", "postgres", "--"])
                    .arg(&path)
                    .args(args)
                    .output()
            } else {
                Command::new(&path).args(args).output()
            };
        }
    }
}
