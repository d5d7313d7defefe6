//! Readers for the CSV files of `CONTRACTS.md`: item parameters, true abilities, and responses
//! in the wide and the long layout. Every error names the file, the line and the column.
//!
//! Kept whole (~850 lines): the wide and long readers share the bounded line reader and the
//! fast byte scanner of plain wide files; split by layout (wide / long / parameters) next.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jauge_irt::ItemParams;

/// A problem in an input file, located as precisely as the reader can.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (not a `source`: the message already says it).
        cause: std::io::Error,
    },
    /// A CSV syntax problem (unbalanced quotes, ragged row, invalid UTF-8).
    #[error("{path}:{line}: malformed CSV: {msg}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What the CSV parser said.
        msg: String,
    },
    /// A required column is absent from the header.
    #[error("{path}:1: missing column `{column}` in the header (found: {found}); expected {expected}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// The header as found.
        found: String,
        /// What the header should hold.
        expected: &'static str,
    },
    /// A cell is not what its column needs.
    #[error("{path}:{line}: column `{column}`: {msg}")]
    Cell {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column's name.
        column: String,
        /// What is wrong and what is expected.
        msg: String,
    },
    /// The file has a header but no data row.
    #[error("{path}: no data rows after the header")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// The longest line (a CSV record, outside quotes) an input file may hold: 16 MiB.
pub const MAX_LINE_BYTES: u64 = 16 << 20;

/// The largest input file read: 8 GiB.
pub const MAX_INPUT_BYTES: u64 = 8 << 30;

/// A reader over an input file that refuses, with an error naming the limit, a line longer than
/// [`MAX_LINE_BYTES`] (a newline inside CSV quotes does not end a line) and more than `max`
/// bytes in all: whatever the file (`/dev/zero`, an endless stream), reading it never takes more
/// memory than the limits.
pub struct Bounded<R> {
    inner: R,
    line: u64,
    lines: u64,
    total: u64,
    max: u64,
    quoted: bool,
}

impl<R> Bounded<R> {
    /// Bounds `inner` to `max` bytes in all and [`MAX_LINE_BYTES`] a line.
    pub fn new(inner: R, max: u64) -> Self {
        Self {
            inner,
            line: 0,
            lines: 1,
            total: 0,
            max,
            quoted: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => {
                    self.line = 0;
                    self.lines += 1;
                    continue;
                }
                _ => {}
            }
            self.line += 1;
            if self.line > MAX_LINE_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {} is longer than {} MiB, the limit for a line of an input file (is it the right file?)",
                        self.lines,
                        MAX_LINE_BYTES >> 20
                    ),
                ));
            }
        }
        self.total += n as u64;
        if self.total > self.max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the file is larger than {} MiB, the limit for this input",
                    self.max >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// Opens an input file for reading through [`Bounded`].
pub fn open_bounded(path: &Path, max: u64) -> Result<Bounded<std::fs::File>, InputError> {
    let f = std::fs::File::open(path).map_err(|cause| InputError::Io {
        path: path.into(),
        cause,
    })?;
    Ok(Bounded::new(f, max))
}

/// Reads a whole input file, refusing it past `max` bytes or a line of [`MAX_LINE_BYTES`].
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut open_bounded(path, max)?, &mut bytes).map_err(|cause| {
        InputError::Io {
            path: path.into(),
            cause,
        }
    })?;
    Ok(bytes)
}

/// Reads a whole text file (UTF-8), bounded like [`read_bounded`].
pub fn read_text(path: &Path, max: u64) -> Result<String, InputError> {
    String::from_utf8(read_bounded(path, max)?).map_err(|e| InputError::Io {
        path: path.into(),
        cause: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (byte {} is not)",
                e.utf8_error().valid_up_to() + 1
            ),
        ),
    })
}

/// A CSV reader over an input file, bounded (see [`Bounded`]).
pub fn csv_reader(builder: &csv::ReaderBuilder, path: &Path) -> Result<csv::Reader<Source>, InputError> {
    Ok(builder.from_reader(open_bounded(path, MAX_INPUT_BYTES)?))
}

/// What the CSV readers read: an input file, bounded.
pub type Source = Bounded<std::fs::File>;

fn open(path: &Path) -> Result<csv::Reader<Source>, InputError> {
    csv_reader(
        csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false),
        path,
    )
}

/// Like [`open`] without the reader's trimming (which allocates a new record per row); the
/// callers trim each field they read with `str::trim`, which is what `csv::Trim::All` does for a
/// `StringRecord`.
fn open_untrimmed(path: &Path) -> Result<csv::Reader<Source>, InputError> {
    csv_reader(csv::ReaderBuilder::new().flexible(false), path)
}

fn trimmed_headers<R: std::io::Read>(
    path: &Path,
    rdr: &mut csv::Reader<R>,
) -> Result<Vec<String>, InputError> {
    Ok(rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect())
}

fn csv_err(path: &Path, e: csv::Error) -> InputError {
    let line = e.position().map_or(0, |p| p.line());
    if let csv::ErrorKind::Io(_) = e.kind() {
        let csv::ErrorKind::Io(io) = e.into_kind() else {
            unreachable!()
        };
        return InputError::Io {
            path: path.into(),
            cause: io,
        };
    }
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    InputError::Csv {
        path: path.into(),
        line,
        msg,
    }
}

fn headers<R: std::io::Read>(path: &Path, rdr: &mut csv::Reader<R>) -> Result<Vec<String>, InputError> {
    Ok(rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(str::to_owned)
        .collect())
}

fn column(path: &Path, header: &[String], name: &str, expected: &'static str) -> Result<usize, InputError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| InputError::MissingColumn {
            path: path.into(),
            column: name.into(),
            found: header.join(","),
            expected,
        })
}

fn parse_f64(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64, InputError> {
    let v: f64 = cell.parse().map_err(|_| InputError::Cell {
        path: path.into(),
        line,
        column: column.into(),
        msg: format!("`{cell}` is not a number (use a dot as the decimal mark, e.g. 1.25)"),
    })?;
    if !v.is_finite() {
        return Err(InputError::Cell {
            path: path.into(),
            line,
            column: column.into(),
            msg: format!("`{cell}` is not a finite number"),
        });
    }
    Ok(v)
}

/// One item of an item-parameter file.
#[derive(Debug, Clone)]
pub struct ItemRow {
    /// The item's id.
    pub id: String,
    /// Its validated parameters, slope already multiplied by the scale D.
    pub params: ItemParams,
}

/// Reads an item-parameter CSV: `id,a,b` required, `c` (default 0) and `d` (default 1) optional,
/// other columns ignored; the slopes are multiplied by `scale` (D).
pub fn read_items(path: &Path, scale: f64) -> Result<Vec<ItemRow>, InputError> {
    const EXPECTED: &str = "`id,a,b` and optionally `c,d`";
    let mut rdr = open_untrimmed(path)?;
    let h = trimmed_headers(path, &mut rdr)?;
    let (ci, ca, cb) = (
        column(path, &h, "id", EXPECTED)?,
        column(path, &h, "a", EXPECTED)?,
        column(path, &h, "b", EXPECTED)?,
    );
    let cc = h.iter().position(|x| x == "c");
    let cd = h.iter().position(|x| x == "d");
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    // one record reused for every row, no trimming copy: no allocation per row but the id
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(path, e))? {
        let line = rec.position().map_or(0, |p| p.line());
        let id = rec[ci].trim().to_owned();
        if id.is_empty() {
            return Err(InputError::Cell {
                path: path.into(),
                line,
                column: "id".into(),
                msg: "empty item id".into(),
            });
        }
        if let Some(prev) = seen.insert(id.clone(), line) {
            return Err(InputError::Cell {
                path: path.into(),
                line,
                column: "id".into(),
                msg: format!("item `{id}` already appears on line {prev}; ids must be unique"),
            });
        }
        let get = |col: Option<usize>, name: &str, default: f64| -> Result<f64, InputError> {
            match col.map(|k| rec[k].trim()) {
                None | Some("") if name == "c" || name == "d" => Ok(default),
                Some(cell) => parse_f64(path, line, name, cell),
                None => Ok(default),
            }
        };
        let (a, b, c, d) = (
            get(Some(ca), "a", 1.0)?,
            get(Some(cb), "b", 0.0)?,
            get(cc, "c", 0.0)?,
            get(cd, "d", 1.0)?,
        );
        let params = ItemParams::new(a, b, c, d)
            .and_then(|p| p.scaled(scale))
            .map_err(|e| InputError::Cell {
                path: path.into(),
                line,
                column: "a,b,c,d".into(),
                msg: format!("item `{id}`: {e}"),
            })?;
        out.push(ItemRow { id, params });
    }
    if out.is_empty() {
        return Err(InputError::Empty { path: path.into() });
    }
    Ok(out)
}

/// Reads true abilities, `id,theta`.
pub fn read_thetas(path: &Path) -> Result<Vec<(String, f64)>, InputError> {
    const EXPECTED: &str = "`id,theta`";
    let mut rdr = open_untrimmed(path)?;
    let h = trimmed_headers(path, &mut rdr)?;
    let (ci, ct) = (
        column(path, &h, "id", EXPECTED)?,
        column(path, &h, "theta", EXPECTED)?,
    );
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(path, e))? {
        let line = rec.position().map_or(0, |p| p.line());
        out.push((
            rec[ci].trim().to_owned(),
            parse_f64(path, line, "theta", rec[ct].trim())?,
        ));
    }
    if out.is_empty() {
        return Err(InputError::Empty { path: path.into() });
    }
    Ok(out)
}

/// A table of responses, whichever layout it was read from.
#[derive(Debug, Clone, Default)]
pub struct Responses {
    /// Item ids in first-seen order (wide: header order).
    pub items: Vec<String>,
    /// Person ids in first-seen order.
    pub persons: Vec<String>,
    /// `(person index, item index, score)` triples; absent pairs were not administered.
    pub cells: Vec<(u32, u32, bool)>,
}

fn parse_score(path: &Path, line: u64, column: &str, cell: &str) -> Result<Option<bool>, InputError> {
    match cell {
        "" => Ok(None),
        "0" => Ok(Some(false)),
        "1" => Ok(Some(true)),
        other => Err(InputError::Cell {
            path: path.into(),
            line,
            column: column.into(),
            msg: format!("`{other}` is not a score: use 0, 1, or leave the cell empty (not administered)"),
        }),
    }
}

/// Reads responses, detecting the layout from the header: a header containing `person`, `item`
/// and `score` is the long layout; otherwise `id,<item ids…>` is the wide one.
pub fn read_responses(path: &Path) -> Result<Responses, InputError> {
    read_responses_from(path, open(path)?)
}

/// [`read_responses`] over a CSV reader already open (`path` names it in errors).
fn read_responses_from<R: std::io::Read>(
    path: &Path,
    mut rdr: csv::Reader<R>,
) -> Result<Responses, InputError> {
    let h = headers(path, &mut rdr)?;
    let mut out = Responses::default();
    let long = ["person", "item", "score"]
        .iter()
        .all(|c| h.iter().any(|x| x == c));
    if long {
        let (cp, ci, cs) = (
            column(path, &h, "person", "")?,
            column(path, &h, "item", "")?,
            column(path, &h, "score", "")?,
        );
        let mut pidx: HashMap<String, u32> = HashMap::new();
        let mut iidx: HashMap<String, u32> = HashMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let Some(score) = parse_score(path, line, "score", &rec[cs])? else {
                continue;
            };
            let p = *pidx.entry(rec[cp].to_owned()).or_insert_with(|| {
                out.persons.push(rec[cp].to_owned());
                (out.persons.len() - 1) as u32
            });
            let i = *iidx.entry(rec[ci].to_owned()).or_insert_with(|| {
                out.items.push(rec[ci].to_owned());
                (out.items.len() - 1) as u32
            });
            out.cells.push((p, i, score));
        }
    } else {
        let ci = column(
            path,
            &h,
            "id",
            "`id,<item ids…>` (wide) or `person,item,score` (long)",
        )?;
        out.items = h
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != ci)
            .map(|(_, s)| s.clone())
            .collect();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let p = out.persons.len() as u32;
            out.persons.push(rec[ci].to_owned());
            let mut j = 0u32;
            for (k, cell) in rec.iter().enumerate() {
                if k == ci {
                    continue;
                }
                if let Some(s) = parse_score(path, line, &h[k], cell)? {
                    out.cells.push((p, j, s));
                }
                j += 1;
            }
        }
    }
    if out.persons.is_empty() {
        return Err(InputError::Empty { path: path.into() });
    }
    Ok(out)
}

/// Reads responses like [`read_responses`], faster on large wide files (byte records, no per-cell
/// allocation): the same layouts, results and error messages. The long layout goes through
/// [`read_responses`].
pub fn read_responses_fast(path: &Path) -> Result<Responses, InputError> {
    let bytes = read_bounded(path, MAX_INPUT_BYTES)?;
    // Cells are trimmed by hand below only when they are not already `0`, `1` or empty.
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .flexible(false)
        .from_reader(&bytes[..]);
    let h: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let long = ["person", "item", "score"]
        .iter()
        .all(|c| h.iter().any(|x| x == c));
    if long {
        // from the bytes already read: the file may be a stream that cannot be read twice
        let rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(&bytes[..]);
        return read_responses_from(path, rdr);
    }
    let ci = column(
        path,
        &h,
        "id",
        "`id,<item ids…>` (wide) or `person,item,score` (long)",
    )?;
    let mut out = Responses {
        items: h
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != ci)
            .map(|(_, s)| s.clone())
            .collect(),
        ..Responses::default()
    };
    let body = usize::try_from(rdr.position().byte())
        .ok()
        .and_then(|start| bytes.get(start..));
    if let Some(scanned) = body.and_then(|body| scan_plain_wide(body, ci, h.len())) {
        if scanned.persons.is_empty() {
            return Err(InputError::Empty { path: path.into() });
        }
        out.persons = scanned.persons;
        out.cells = scanned.cells;
        return Ok(out);
    }
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(path, e)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        let p = out.persons.len() as u32;
        let id = std::str::from_utf8(rec[ci].trim_ascii()).map_err(|_| InputError::Cell {
            path: path.into(),
            line,
            column: "id".into(),
            msg: "the id is not valid UTF-8".into(),
        })?;
        out.persons.push(id.to_owned());
        let mut j = 0u32;
        for (k, cell) in rec.iter().enumerate() {
            if k == ci {
                continue;
            }
            let cell = match cell {
                b"" | b"0" | b"1" => cell,
                other => other.trim_ascii(),
            };
            match cell {
                b"" => {}
                b"0" => out.cells.push((p, j, false)),
                b"1" => out.cells.push((p, j, true)),
                other => {
                    return Err(InputError::Cell {
                        path: path.into(),
                        line,
                        column: h[k].clone(),
                        msg: format!(
                            "`{}` is not a score: use 0, 1, or leave the cell empty (not administered)",
                            String::from_utf8_lossy(other)
                        ),
                    });
                }
            }
            j += 1;
        }
    }
    if out.persons.is_empty() {
        return Err(InputError::Empty { path: path.into() });
    }
    Ok(out)
}

/// The persons and cells of the data rows of a wide response file (`body`: the bytes after the
/// header; `fields` columns, the id in column `ci`) when every row has the plain form: fields
/// separated by commas, no quote and no carriage return inside a row, lines ending in `\n` or
/// `\r\n`, no empty line, and every score cell exactly `0`, `1` or empty. `None` for anything else
/// (quotes, padded cells, ragged rows, bad scores…): the caller then reads the file with the CSV
/// parser, which handles the general case and words the errors. The result is the one the CSV
/// parser gives on the same rows (the item ids are left empty).
fn scan_plain_wide(body: &[u8], ci: usize, fields: usize) -> Option<Responses> {
    let items = fields.checked_sub(1)?;
    let mut persons: Vec<String> = Vec::new();
    // Most rows answer every item: about 2 bytes per cell.
    let mut cells: Vec<(u32, u32, bool)> = Vec::with_capacity(body.len() / 2 + 1);
    let plain_id = |id: &[u8]| -> Option<String> {
        if id.contains(&b'"') || id.contains(&b'\r') {
            return None;
        }
        std::str::from_utf8(id.trim_ascii()).ok().map(str::to_owned)
    };
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            if lines.peek().is_none() {
                break; // the newline that ends the last row
            }
            return None;
        }
        let p = u32::try_from(persons.len()).ok()?;
        // The usual row: the id first, then every item answered, `0,1,1,…`.
        if ci == 0
            && let Some(comma) = line.iter().position(|&b| b == b',')
        {
            let rest = &line[comma + 1..];
            // `0` and `1` are 0x30 and 0x31: `c | 1 == b'1'` accepts exactly those.
            if items > 0
                && rest.len() + 1 == 2 * items
                && rest
                    .chunks_exact(2)
                    .fold(true, |ok, w| ok & (w[0] | 1 == b'1') & (w[1] == b','))
                && rest[rest.len() - 1] | 1 == b'1'
            {
                cells.extend(
                    rest.iter()
                        .step_by(2)
                        .enumerate()
                        .map(|(j, &c)| (p, j as u32, c == b'1')),
                );
                persons.push(plain_id(&line[..comma])?);
                continue;
            }
        }
        // Any other plain row: empty cells, or the id elsewhere.
        let mut n = 0;
        let mut j = 0u32;
        let mut id = None;
        for (k, cell) in line.split(|&b| b == b',').enumerate() {
            n += 1;
            if k == ci {
                id = Some(plain_id(cell)?);
                continue;
            }
            match cell {
                b"" => {}
                b"0" => cells.push((p, j, false)),
                b"1" => cells.push((p, j, true)),
                _ => return None,
            }
            j += 1;
        }
        if n != fields {
            return None;
        }
        persons.push(id?);
    }
    Some(Responses {
        items: Vec::new(),
        persons,
        cells,
    })
}

/// Reads true abilities per competence, `id,<code>,<code>,…` (e.g. `id,1.1,1.2,…,5.2`): one row
/// per examinee, one column per code of `codes` (other columns ignored). Returns the ids and,
/// per row, the abilities in the order of `codes`. A missing column is named in the error.
pub fn read_competence_thetas(path: &Path, codes: &[String]) -> Result<Vec<(String, Vec<f64>)>, InputError> {
    const EXPECTED: &str = "`id` and one column per competence of the bank, e.g. `id,1.1,1.2,…,5.2`";
    let mut rdr = open(path)?;
    let h = headers(path, &mut rdr)?;
    let ci = column(path, &h, "id", EXPECTED)?;
    let cols = codes
        .iter()
        .map(|c| column(path, &h, c, EXPECTED))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(path, e))? {
        let line = rec.position().map_or(0, |p| p.line());
        let thetas = codes
            .iter()
            .zip(&cols)
            .map(|(c, &k)| parse_f64(path, line, c, &rec[k]))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((rec[ci].to_owned(), thetas));
    }
    if out.is_empty() {
        return Err(InputError::Empty { path: path.into() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &str) -> tempfile_lite::TempFile {
        tempfile_lite::TempFile::new(content)
    }

    /// A minimal temporary file helper (no extra dependency).
    mod tempfile_lite {
        use std::path::PathBuf;
        pub struct TempFile(pub PathBuf);
        impl TempFile {
            pub fn new(content: &str) -> Self {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let p = std::env::temp_dir().join(format!(
                    "jauge-input-{}-{}.csv",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::write(&p, content).unwrap();
                Self(p)
            }
        }
        impl Drop for TempFile {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn items_with_defaults_and_errors() {
        let f = file("id,a,b,extra\nq1,1.5,0.2,x\nq2,1,-1,y\n");
        let items = read_items(&f.0, 1.0).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].params.c(), 0.0);
        assert_eq!(items[1].params.d(), 1.0);
        let f = file("id,a,b\nq1,1.5,abc\n");
        let e = read_items(&f.0, 1.0).unwrap_err().to_string();
        assert!(
            e.ends_with(":2: column `b`: `abc` is not a number (use a dot as the decimal mark, e.g. 1.25)"),
            "{e}"
        );
        let f = file("id,a\nq1,1.5\n");
        let e = read_items(&f.0, 1.0).unwrap_err().to_string();
        assert!(e.contains(":1: missing column `b`"), "{e}");
        let f = file("id,a,b,c\nq1,1.5,0,\nq2,-1,0,0\n");
        let e = read_items(&f.0, 1.0).unwrap_err().to_string();
        assert!(
            e.contains(":3: column `a,b,c,d`: item `q2`: discrimination a must be > 0"),
            "{e}"
        );
        let f = file("id,a,b\nq1,1,0\nq2,1\n");
        let e = read_items(&f.0, 1.0).unwrap_err().to_string();
        assert!(
            e.contains(":3: malformed CSV: this row has 2 fields but the header has 3"),
            "{e}"
        );
        let _ = std::io::stderr().flush();
    }

    #[test]
    fn items_and_thetas_are_trimmed() {
        let f = file(" id , a ,b, c\n q1 , 1.5 ,0.2,  \n");
        let items = read_items(&f.0, 1.0).unwrap();
        assert_eq!(items[0].id, "q1");
        assert_eq!(
            (items[0].params.a(), items[0].params.b(), items[0].params.c()),
            (1.5, 0.2, 0.0)
        );
        let t = file("id, theta\n p1 , -0.5 \n");
        assert_eq!(read_thetas(&t.0).unwrap(), vec![("p1".to_string(), -0.5)]);
    }

    #[test]
    fn responses_both_layouts() {
        let w = file("id,i1,i2,i3\np1,1,,0\np2,0,1,1\n");
        let r = read_responses(&w.0).unwrap();
        assert_eq!(r.items, ["i1", "i2", "i3"]);
        assert_eq!(
            r.cells,
            vec![
                (0, 0, true),
                (0, 2, false),
                (1, 0, false),
                (1, 1, true),
                (1, 2, true)
            ]
        );
        let l = file("person,item,score,credit\ns1,i2,1,1\ns1,i1,0,0.5\ns2,i2,0,0\n");
        let r = read_responses(&l.0).unwrap();
        assert_eq!(r.items, ["i2", "i1"]);
        assert_eq!(r.persons, ["s1", "s2"]);
        assert_eq!(r.cells, vec![(0, 0, true), (0, 1, false), (1, 0, false)]);
        let bad = file("id,i1\np1,2\n");
        let e = read_responses(&bad.0).unwrap_err().to_string();
        assert!(e.contains(":2: column `i1`: `2` is not a score"), "{e}");
        let e = read_responses_fast(&bad.0).unwrap_err().to_string();
        assert!(e.contains(":2: column `i1`: `2` is not a score"), "{e}");
        let r = read_responses_fast(&w.0).unwrap();
        assert_eq!(r.items, ["i1", "i2", "i3"]);
        assert_eq!(r.persons, ["p1", "p2"]);
        assert_eq!(r.cells, read_responses(&w.0).unwrap().cells);
        let spaced = file("id, i1 ,i2\n p1 , 1 ,\np2,0 , 1\n");
        let r = read_responses_fast(&spaced.0).unwrap();
        assert_eq!(r.items, ["i1", "i2"]);
        assert_eq!(r.persons, ["p1", "p2"]);
        assert_eq!(r.cells, read_responses(&spaced.0).unwrap().cells);
        assert_eq!(r.cells, vec![(0, 0, true), (1, 0, false), (1, 1, true)]);
        let r = read_responses_fast(&l.0).unwrap();
        assert_eq!(r.cells, vec![(0, 0, true), (0, 1, false), (1, 0, false)]);
    }

    /// The byte scanner of plain wide files gives what the CSV parser gives, and leaves every
    /// other form to it.
    #[test]
    fn fast_wide_reader_agrees_with_the_csv_reader() {
        let cases = [
            "id,i1,i2,i3\np1,1,0,1\np2,0,0,1\n",
            "id,i1,i2,i3\r\np1,1,0,1\r\np2,0,,1\r\n",
            "id,i1,i2\np1,1,0\np2,0,1",
            "i1,id,i2\n1,p1,0\n,p2,1\n",
            "id,i1,i2\n\"p,1\",1,0\np2,0,1\n",
            "id,i1,i2\np1, 1,0\n",
            "id,i1,i2\np1,1,0\n\np2,0,1\n",
            " id , i1,i2\n p1 ,1,0\n",
            "id,i1,i2\np1,,\np2,1,1\n",
        ];
        for content in cases {
            let f = file(content);
            let fast = read_responses_fast(&f.0).unwrap();
            let csv = read_responses(&f.0).unwrap();
            assert_eq!(fast.items, csv.items, "{content:?}");
            assert_eq!(fast.persons, csv.persons, "{content:?}");
            assert_eq!(fast.cells, csv.cells, "{content:?}");
        }
        // Plain rows are read by the scanner; anything else is left to the CSV parser.
        let plain = scan_plain_wide(b"p1,1,0,1\np2,0,,1\n", 0, 4).unwrap();
        assert_eq!(plain.persons, ["p1", "p2"]);
        assert_eq!(
            plain.cells,
            vec![
                (0, 0, true),
                (0, 1, false),
                (0, 2, true),
                (1, 0, false),
                (1, 2, true)
            ]
        );
        assert!(scan_plain_wide(b"p1,1,0\r\np2,0,1", 0, 3).is_some());
        assert!(scan_plain_wide(b"1,p1,0\n", 1, 3).is_some());
        for other in [
            &b"\"p1\",1,0\n"[..],
            b"p1,1,0\n\np2,0,1\n",
            b"p1,1,2\n",
            b"p1,1\n",
            b"p1,1,0,1\n",
            b"p1,1, 0\n",
            b"p1,1,0\rp2,0,1\n",
        ] {
            assert!(scan_plain_wide(other, 0, 3).is_none(), "{other:?}");
        }
        // A bad score found on the fast path is still reported with its line and column.
        let bad = file("id,i1,i2\np1,1,0\np2,0,x\n");
        let e = read_responses_fast(&bad.0).unwrap_err().to_string();
        assert!(e.contains(":3: column `i2`: `x` is not a score"), "{e}");
    }
}
