//! Starting `jauge serve` for a run (on a fresh database, a free loopback port), creating its
//! tokens with `jauge token create`, and reading the server's CPU time and memory from /proc.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `jauge serve` process started by the load generator.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its address.
    pub addr: SocketAddr,
    /// The `jauge` binary.
    pub bin: PathBuf,
    /// Its database.
    pub db: PathBuf,
    /// Extra arguments it was started with.
    pub args: Vec<String>,
}

/// A free port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Creates a token for `organisation` with `jauge token create` (the organisation is created if
/// unknown).
pub fn create_token(bin: &Path, db: &Path, organisation: &str) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .args(["token", "create", "--organisation", organisation, "--db"])
        .arg(db)
        .stderr(Stdio::null())
        .output()?;
    anyhow::ensure!(out.status.success(), "jauge token create failed");
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

impl Server {
    /// Starts `bin serve` on `db` at `addr` (with `args` added) and waits until `/healthz`
    /// answers, at most `wait`.
    pub fn start(
        bin: &Path,
        db: &Path,
        addr: SocketAddr,
        bank: &Path,
        args: &[String],
        wait: Duration,
    ) -> anyhow::Result<Self> {
        Self::start_with_log(bin, db, addr, bank, args, wait, Stdio::inherit())
    }

    /// As [`Server::start`], the server's log (its stderr) sent to `log` (e.g. a file, to be
    /// read by a test).
    pub fn start_with_log(
        bin: &Path,
        db: &Path,
        addr: SocketAddr,
        bank: &Path,
        args: &[String],
        wait: Duration,
        log: Stdio,
    ) -> anyhow::Result<Self> {
        crate::client::loopback_only(&addr)?;
        let child = Command::new(bin)
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--db")
            .arg(db)
            .arg("--bank")
            .arg(bank)
            .args(args)
            .env("JAUGE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let mut s = Self {
            child,
            addr,
            bin: bin.to_path_buf(),
            db: db.to_path_buf(),
            args: args.to_vec(),
        };
        s.wait_healthy(wait)?;
        Ok(s)
    }

    /// Waits until `/healthz` answers 200.
    pub fn wait_healthy(&mut self, wait: Duration) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("jauge serve exited early ({status})");
            }
            if let Ok(mut s) = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let req = format!(
                    "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    self.addr
                );
                if s.write_all(req.as_bytes()).is_ok() {
                    let mut buf = String::new();
                    let _ = s.read_to_string(&mut buf);
                    if buf.starts_with("HTTP/1.1 200") {
                        return Ok(());
                    }
                }
            }
            anyhow::ensure!(
                start.elapsed() < wait,
                "jauge serve did not become healthy within {wait:?}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self, wait: Duration) -> anyhow::Result<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status()?.success();
        anyhow::ensure!(ok, "kill -TERM {pid} failed");
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait()? {
                return Ok(s);
            }
            if start.elapsed() > wait {
                self.child.kill()?;
                anyhow::bail!("jauge serve did not stop within {wait:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// CPU seconds used so far (user + system), from /proc (Linux).
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // the fields after the command name, which is in parentheses
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = f.get(11)?.parse().ok()?;
        let stime: f64 = f.get(12)?.parse().ok()?;
        Some((utime + stime) / clock_ticks())
    }

    /// Resident memory now, bytes (Linux).
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
