//! One module per command family. Each exposes its clap arguments and a `run` function that
//! returns the exit status of a command that ran (0 clean, 1 problems found); an `Err` is bad
//! usage or bad input and exits 2, as `CONTRACTS.md` fixes.

use std::io::{self, Write};
use std::process::ExitCode;

pub mod agent;
pub mod assess;
pub mod bank;
pub mod calibrate;
pub mod calibrate_db;
pub mod campaign;
pub mod errors;
pub mod export;
pub mod irt;
pub mod items;
pub mod key;
pub mod profile;
pub mod purge;
pub mod render;
pub mod screen;
pub mod serve;
pub mod simulate;

/// Reports a command's outcome and turns it into the process exit status.
pub fn finish(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`jauge … | head`) is not an error.
            if let Some(ioe) = e.downcast_ref::<io::Error>()
                && ioe.kind() == io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            let text = errors::translate(&e).unwrap_or_else(|| format!("{e:#}"));
            let _ = writeln!(io::stderr(), "{}", crate::m!("error.prefix", text = text));
            ExitCode::from(2)
        }
    }
}

/// The program as the user can type it again in the same shell: its name when it was started
/// by a name that the `PATH` resolves to this very program (`jauge`), else the absolute path
/// of the executable (e.g. `/home/me/jauge/target/release/jauge` under `cargo run`), quoted
/// for the shell when needed.
pub fn program() -> String {
    let exe = std::env::current_exe().ok();
    if let (Some(arg0), Some(exe)) = (std::env::args_os().next(), &exe) {
        let arg0 = std::path::PathBuf::from(arg0);
        if arg0.components().count() == 1
            && let Some(found) = in_path(&arg0)
            && same_file(&found, exe)
        {
            return shell_word(&arg0.to_string_lossy());
        }
    }
    exe.map_or_else(|| "jauge".into(), |e| shell_word(&e.to_string_lossy()))
}

fn in_path(name: &std::path::Path) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `s` as one word for a POSIX shell: as is when it is made of safe characters, else in single
/// quotes.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._-+/:=,".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `p` made absolute (against the current directory), for a command printed to be typed
/// elsewhere.
pub fn absolute(p: &std::path::Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Prints one JSON document on stdout (the `--json` contract: exactly one document, no NaN).
pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// A finite number as JSON, or `null` when it is NaN or infinite.
pub fn num(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The database to use: `--db`, else `JAUGE_DB`, else `jauge.db` in the platform's data
/// directory (`~/.local/share/jauge/` on Linux), else `./jauge.db`.
pub fn db_path(flag: Option<&std::path::Path>) -> std::path::PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("JAUGE_DB").filter(|v| !v.is_empty()) {
        return p.into();
    }
    dirs::data_dir().map_or_else(|| "jauge.db".into(), |d| d.join("jauge").join("jauge.db"))
}

/// Applies `JAUGE_LOCK_WAIT` (seconds, e.g. `60` or `0.5`): how long a command waits for the
/// database's lock when other processes write, before it gives up with a message saying so.
/// Unset: the store's default (30 s).
pub fn lock_wait_from_env() -> anyhow::Result<()> {
    let Some(v) = std::env::var_os("JAUGE_LOCK_WAIT") else {
        return Ok(());
    };
    let text = v.to_string_lossy();
    let secs: f64 = text
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "JAUGE_LOCK_WAIT=`{text}`: give the number of seconds to wait for the database's lock, more than 0 and at most 86400 (e.g. 60)"
            )
        })?;
    jauge_store::set_default_lock_wait(std::time::Duration::from_secs_f64(secs));
    Ok(())
}

/// Parses a duration written `90s`, `30m`, `12h`, `30d` or `2y` (a year is 365 days) into seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let err =
        || format!("`{s}` is not a duration: write a whole number and a unit s, m, h, d or y (e.g. 30d, 2y)");
    let (num, unit) = s.split_at(s.len().checked_sub(1).ok_or_else(err)?);
    let n: i64 = num.parse().map_err(|_| err())?;
    let k = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "y" => 365 * 86_400,
        _ => return Err(err()),
    };
    if n < 0 {
        return Err(err());
    }
    n.checked_mul(k).ok_or_else(err)
}

/// Parses an RFC 3339 time, or a date `YYYY-MM-DD` (UTC), taken as the start of the day, or as
/// its last microsecond when `end_of_day` (so that `--until 2026-06-30` includes that day).
pub fn parse_time(s: &str, end_of_day: bool) -> Result<jiff::Timestamp, String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date = s.parse().map_err(|_| {
        format!("`{s}` is not a time: write RFC 3339 (2026-06-30T12:00:00Z) or a date (2026-06-30)")
    })?;
    let start = jiff::tz::TimeZone::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| e.to_string())?;
    if end_of_day {
        // the last day a timestamp can hold ends early (9999-12-30 stops at 22:00 UTC, the end of
        // that day in the furthest time zone): its end is the last representable instant
        Ok(start
            .checked_add(jiff::SignedDuration::from_micros(86_400_000_000 - 1))
            .unwrap_or(jiff::Timestamp::MAX))
    } else {
        Ok(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("30d"), Ok(2_592_000));
        assert_eq!(parse_duration("2y"), Ok(63_072_000));
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-3d").is_err());
        assert!(parse_duration("3w").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2026-06-30T12:00:00Z", false).unwrap().to_string(),
            "2026-06-30T12:00:00Z"
        );
        assert_eq!(
            parse_time("2026-06-30", false).unwrap().to_string(),
            "2026-06-30T00:00:00Z"
        );
        assert_eq!(
            parse_time("2026-06-30", true).unwrap().to_string(),
            "2026-06-30T23:59:59.999999Z"
        );
        assert!(parse_time("30/06/2026", false).is_err());
        // the calendar's edges: a value or an error, never a panic
        assert_eq!(parse_time("9999-12-30", true).unwrap(), jiff::Timestamp::MAX);
        assert!(parse_time("9999-12-31", false).is_err());
        assert!(parse_time("-009999-01-01", false).is_err());
    }
}
