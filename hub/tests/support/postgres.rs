//! A real PostgreSQL for the tests: a throw-away cluster (Debian's server binaries, a temporary
//! data directory, 127.0.0.1 and a free port), started on first use by a test binary and shared by
//! its tests, each in a database of its own; stopped by its PID when the last test using it ends,
//! and also when a test fails (the guard's `Drop`). As root, the server runs as the `postgres`
//! user (initdb refuses root).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

pub struct Cluster {
    server: Mutex<Child>,
    pub port: u16,
    _dir: tempfile::TempDir,
}

/// A database of one test's own, and the cluster it lives in (kept running while it is held).
pub struct TestDatabase {
    pub url: String,
    pub cluster: Arc<Cluster>,
}

static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A fresh database in the test binary's cluster (started if none runs).
pub async fn database() -> TestDatabase {
    let cluster = {
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        match shared.upgrade() {
            Some(c) => c,
            None => {
                let c = Arc::new(Cluster::start());
                *shared = Arc::downgrade(&c);
                c
            }
        }
    };
    let name = format!(
        "t{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let (admin, connection) = tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls)
        .await
        .expect("the test cluster answers");
    tokio::spawn(connection);
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a test database");
    TestDatabase {
        url: cluster.url(&name),
        cluster,
    }
}

fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").exists());
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin): \
         `apt-get install postgresql`, as scripts/test does",
    )
}

/// The user and group the server runs as: `postgres` when we are root, else ourselves.
fn server_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let out = Command::new("id").args(["-u", "postgres"]).output().ok()?;
    let uid = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    let out = Command::new("id").args(["-g", "postgres"]).output().ok()?;
    let gid = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some((uid, gid))
}

fn as_server(cmd: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        cmd.gid(gid).uid(uid);
    }
    cmd
}

fn chown(path: &Path, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown the test cluster's directory");
    }
}

impl Cluster {
    fn start() -> Cluster {
        let bin = bin_dir();
        let user = server_user();
        let dir = tempfile::Builder::new().prefix("fieldcase-pg").tempdir().unwrap();
        chown(dir.path(), user);
        let data = dir.path().join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        let out = as_server(
            initdb.args([
                "--auth=trust",
                "--username=fieldcase",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "-D",
            ]),
            user,
        )
        .arg(&data)
        .output()
        .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        chown(&dir.path().join("server.log"), user);
        let server = as_server(&mut Command::new(bin.join("postgres")), user)
            .arg("-D")
            .arg(&data)
            .args([
                "-p",
                &port.to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
                "-k",
            ])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the PostgreSQL server starts");
        let cluster = Cluster {
            server: Mutex::new(server),
            port,
            _dir: dir,
        };
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                break;
            }
            if let Ok(Some(status)) = cluster.server.lock().unwrap().try_wait() {
                panic!("the PostgreSQL server stopped at start ({status}): see its log");
            }
            assert!(
                Instant::now() < until,
                "the PostgreSQL server did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        cluster
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://fieldcase@127.0.0.1:{}/{database}", self.port)
    }

    /// The server's process id (to stop it, or to kill it in a fault test).
    pub fn pid(&self) -> u32 {
        self.server.lock().unwrap_or_else(|p| p.into_inner()).id()
    }
}

impl Drop for Cluster {
    /// Stops the server this binary started, by its PID: a fast shutdown, then a kill if it
    /// has not gone within ten seconds.
    fn drop(&mut self) {
        let mut server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        unsafe { libc::kill(server.id() as i32, libc::SIGINT) };
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = server.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = server.kill();
        let _ = server.wait();
    }
}
