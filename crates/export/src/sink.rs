//! Row sinks: one table schema, three formats, streamed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::{ExportError, Result};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header; timestamps in RFC 3339, nulls empty.
    Csv,
    /// One JSON object per line; nulls are `null`.
    Jsonl,
    /// Apache Parquet with the contract's types.
    Parquet,
}

/// A column's type, and so its Parquet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Text (Parquet BYTE_ARRAY, logical STRING / UTF8).
    Str,
    /// A time (Parquet INT64, TIMESTAMP(MICROS, UTC)).
    Timestamp,
    /// A small integer: level, pix (Parquet INT32).
    Int32,
    /// A count (Parquet INT64).
    Int64,
    /// A real number: θ, SE, means (Parquet DOUBLE).
    Double,
}

/// A column of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name in the header.
    pub name: String,
    /// Its type.
    pub ty: ColType,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, ty: ColType) -> Self {
        Self {
            name: name.into(),
            ty,
        }
    }
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Missing (not assessed, unknown).
    Null,
    /// Text.
    Str(String),
    /// Microseconds since the Unix epoch, UTC.
    Ts(i64),
    /// An integer.
    Int(i64),
    /// A real number (non-finite values are written as null).
    Float(f64),
}

/// Where rows go.
pub(crate) trait Sink {
    fn write(&mut self, row: &[Cell]) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

/// The sink of `format` over `file` (the export's pending file; `path` names it in messages).
pub(crate) fn open_sink(
    format: Format,
    file: File,
    path: &Path,
    columns: &[Column],
) -> Result<Box<dyn Sink>> {
    Ok(match format {
        Format::Csv => Box::new(CsvSink::new(file, columns)?),
        Format::Jsonl => Box::new(JsonlSink {
            out: BufWriter::with_capacity(1 << 16, file),
            columns: columns.to_vec(),
            path: path.into(),
        }),
        Format::Parquet => Box::new(ParquetSink::new(file, columns)?),
    })
}

/// Whether a spreadsheet would take a text cell for a formula (or a command, via DDE): it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, "CSV Injection").
pub fn spreadsheet_would_run(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn rfc3339(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

struct CsvSink {
    w: csv::Writer<BufWriter<File>>,
    buf: Vec<String>,
}

impl CsvSink {
    fn new(file: File, columns: &[Column]) -> Result<Self> {
        let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, file));
        w.write_record(columns.iter().map(|c| c.name.as_str()))?;
        Ok(Self {
            w,
            buf: Vec::with_capacity(columns.len()),
        })
    }
}

impl Sink for CsvSink {
    fn write(&mut self, row: &[Cell]) -> Result<()> {
        // reuse the row's strings to keep allocation out of the loop
        self.buf.resize(row.len(), String::new());
        for (s, c) in self.buf.iter_mut().zip(row) {
            s.clear();
            use std::fmt::Write as _;
            match c {
                Cell::Null => {}
                Cell::Str(x) => {
                    // neutralised: a leading apostrophe makes the spreadsheet show the text as
                    // text (numbers are written from number cells, never from text)
                    if spreadsheet_would_run(x) {
                        s.push('\'');
                    }
                    s.push_str(x);
                }
                Cell::Ts(us) => s.push_str(&rfc3339(*us)),
                Cell::Int(i) => {
                    let _ = write!(s, "{i}");
                }
                Cell::Float(f) if f.is_finite() => {
                    let _ = write!(s, "{f}");
                }
                Cell::Float(_) => {}
            }
        }
        self.w.write_record(&self.buf)?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.w.flush().map_err(|e| ExportError::Csv(e.into()))?;
        Ok(())
    }
}

struct JsonlSink {
    out: BufWriter<File>,
    columns: Vec<Column>,
    path: PathBuf,
}

impl Sink for JsonlSink {
    fn write(&mut self, row: &[Cell]) -> Result<()> {
        let io = |e: std::io::Error| ExportError::Io {
            path: self.path.clone(),
            source: e,
        };
        let mut line = String::with_capacity(64 * row.len());
        line.push('{');
        for (k, (col, c)) in self.columns.iter().zip(row).enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push_str(&serde_json::Value::String(col.name.clone()).to_string());
            line.push(':');
            match c {
                Cell::Null => line.push_str("null"),
                Cell::Str(x) => line.push_str(&serde_json::Value::String(x.clone()).to_string()),
                Cell::Ts(us) => {
                    line.push('"');
                    line.push_str(&rfc3339(*us));
                    line.push('"');
                }
                Cell::Int(i) => line.push_str(&i.to_string()),
                Cell::Float(f) => match serde_json::Number::from_f64(*f) {
                    Some(n) => line.push_str(&n.to_string()),
                    None => line.push_str("null"),
                },
            }
        }
        line.push_str("}\n");
        self.out.write_all(line.as_bytes()).map_err(io)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let path = self.path.clone();
        self.out.flush().map_err(|e| ExportError::Io { path, source: e })
    }
}

/// Rows per Parquet row group: bounds the memory of an export whatever its size.
const ROW_GROUP: usize = 64 * 1024;

enum ColBuf {
    Str(Vec<ByteArray>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F64(Vec<f64>),
}

struct ParquetSink {
    writer: SerializedFileWriter<BufWriter<File>>,
    columns: Vec<Column>,
    values: Vec<ColBuf>,
    defs: Vec<Vec<i16>>,
    rows: usize,
}

impl ParquetSink {
    fn new(file: File, columns: &[Column]) -> Result<Self> {
        let mut fields = Vec::with_capacity(columns.len());
        for c in columns {
            let (physical, logical) = match c.ty {
                ColType::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                ColType::Timestamp => (
                    Physical::INT64,
                    Some(LogicalType::timestamp(true, TimeUnit::MICROS)),
                ),
                ColType::Int32 => (Physical::INT32, None),
                ColType::Int64 => (Physical::INT64, None),
                ColType::Double => (Physical::DOUBLE, None),
            };
            let t = Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()?;
            fields.push(Arc::new(t));
        }
        let schema = Arc::new(
            Type::group_type_builder("jauge_export")
                .with_fields(fields)
                .build()?,
        );
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build(),
        );
        let writer = SerializedFileWriter::new(BufWriter::with_capacity(1 << 16, file), schema, props)?;
        let values = columns
            .iter()
            .map(|c| match c.ty {
                ColType::Str => ColBuf::Str(Vec::new()),
                ColType::Timestamp | ColType::Int64 => ColBuf::I64(Vec::new()),
                ColType::Int32 => ColBuf::I32(Vec::new()),
                ColType::Double => ColBuf::F64(Vec::new()),
            })
            .collect();
        Ok(Self {
            writer,
            columns: columns.to_vec(),
            values,
            defs: vec![Vec::new(); columns.len()],
            rows: 0,
        })
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group()?;
        let mut k = 0;
        while let Some(mut col) = rg.next_column()? {
            let defs = &self.defs[k];
            match &mut self.values[k] {
                ColBuf::Str(v) => {
                    col.typed::<ByteArrayType>().write_batch(v, Some(defs), None)?;
                    v.clear();
                }
                ColBuf::I32(v) => {
                    col.typed::<Int32Type>().write_batch(v, Some(defs), None)?;
                    v.clear();
                }
                ColBuf::I64(v) => {
                    col.typed::<Int64Type>().write_batch(v, Some(defs), None)?;
                    v.clear();
                }
                ColBuf::F64(v) => {
                    col.typed::<DoubleType>().write_batch(v, Some(defs), None)?;
                    v.clear();
                }
            }
            col.close()?;
            self.defs[k].clear();
            k += 1;
        }
        rg.close()?;
        self.rows = 0;
        Ok(())
    }
}

impl Sink for ParquetSink {
    fn write(&mut self, row: &[Cell]) -> Result<()> {
        for (k, c) in row.iter().enumerate().take(self.columns.len()) {
            let present = match (&mut self.values[k], c) {
                (ColBuf::Str(v), Cell::Str(s)) => {
                    v.push(ByteArray::from(s.as_str()));
                    true
                }
                (ColBuf::I64(v), Cell::Ts(x) | Cell::Int(x)) => {
                    v.push(*x);
                    true
                }
                (ColBuf::I32(v), Cell::Int(x)) => {
                    v.push(*x as i32);
                    true
                }
                (ColBuf::F64(v), Cell::Float(x)) if x.is_finite() => {
                    v.push(*x);
                    true
                }
                (ColBuf::F64(v), Cell::Int(x)) => {
                    v.push(*x as f64);
                    true
                }
                _ => false,
            };
            self.defs[k].push(i16::from(present));
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.flush()?;
        self.writer.close()?;
        Ok(())
    }
}
