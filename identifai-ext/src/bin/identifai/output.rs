//! Writing results on stdout: a table for people, JSON, JSON lines or CSV
//! for machines. A closed stdout (`| head -1`) ends the writing quietly.

use std::io::{self, BufWriter, IsTerminal, Write};

use serde_json::Value;

use crate::args::Format;

/// The format to write: the one asked for, else a table on a terminal and
/// JSON lines otherwise.
pub fn format(asked: Option<Format>) -> Format {
    asked.unwrap_or_else(|| {
        if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Jsonl
        }
    })
}

/// Whether to colour the table: stdout is a terminal and `NO_COLOR` is not
/// set (see no-color.org).
pub fn colour() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A colour for a table cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Good,
    Bad,
    Warn,
}

impl Style {
    fn code(self) -> Option<&'static str> {
        match self {
            Self::Plain => None,
            Self::Good => Some("\x1b[32m"),
            Self::Bad => Some("\x1b[31m"),
            Self::Warn => Some("\x1b[33m"),
        }
    }
}

/// A table cell.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Self::styled(text, Style::Plain)
    }
}

/// What a command prints: records for machines (the same fields in each,
/// in order) and a table for people.
#[derive(Debug)]
pub struct Report {
    pub fields: &'static [&'static str],
    pub records: Vec<Vec<Value>>,
    pub headers: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

impl Report {
    pub fn new(fields: &'static [&'static str], headers: &'static [&'static str]) -> Self {
        Self {
            fields,
            records: Vec::new(),
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a record (one value per field) and its table row.
    pub fn push(&mut self, record: Vec<Value>, row: Vec<Cell>) {
        debug_assert_eq!(record.len(), self.fields.len());
        debug_assert_eq!(row.len(), self.headers.len());
        self.records.push(record);
        self.rows.push(row);
    }
}

/// Writes `report` on stdout. A closed stdout is not an error: the writing
/// stops and `Ok` is returned.
pub fn write(report: &Report, format: Format, colour: bool) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = render(report, format, colour, &mut out).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            // Nothing more can be written; drop what is buffered quietly.
            let (_, _) = out.into_parts();
            Ok(())
        }
        other => other,
    }
}

/// Records written as they come: JSON lines and CSV a line at a time, each
/// flushed; JSON and the table (which need every record) at the end, in
/// the order of the records' first field (the input's index). A closed
/// stdout ends the writing quietly.
pub struct Sink {
    format: Format,
    colour: bool,
    report: Report,
    header_written: bool,
    closed: bool,
}

impl Sink {
    pub fn new(report: Report, format: Format, colour: bool) -> Self {
        Self {
            format,
            colour,
            report,
            header_written: false,
            closed: false,
        }
    }

    /// Writes a record now (JSON lines, CSV) or keeps it for the end.
    pub fn push(&mut self, record: Vec<Value>, row: Vec<Cell>) -> io::Result<()> {
        if !matches!(self.format, Format::Jsonl | Format::Csv) {
            self.report.push(record, row);
            return Ok(());
        }
        let mut text = String::new();
        if self.format == Format::Csv && !self.header_written {
            text.push_str(&csv_line(self.report.fields.iter().map(|f| f.to_string())));
            text.push('\n');
        }
        self.header_written = true;
        text.push_str(&match self.format {
            Format::Csv => csv_line(record.iter().map(plain)),
            _ => object(self.report.fields, &record),
        });
        text.push('\n');
        self.emit(|out| out.write_all(text.as_bytes()))
    }

    /// Writes what was kept for the end.
    pub fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Jsonl => Ok(()),
            Format::Csv if self.header_written => Ok(()),
            _ => {
                let (format, colour) = (self.format, self.colour);
                let mut report = std::mem::replace(&mut self.report, Report::new(&[], &[]));
                // In input order, by the records' first field (`index`).
                let mut pairs: Vec<_> = report
                    .records
                    .drain(..)
                    .zip(report.rows.drain(..))
                    .collect();
                pairs.sort_by_key(|(record, _)| record.first().and_then(Value::as_u64));
                for (record, row) in pairs {
                    report.push(record, row);
                }
                self.emit(|out| render(&report, format, colour, out))
            }
        }
    }

    fn emit(
        &mut self,
        write: impl FnOnce(&mut io::StdoutLock<'static>) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match write(&mut out).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// Records written a batch at a time, in the order they come (the pages of
/// a paged list): JSON lines and CSV a line each; JSON as one array whose
/// elements are written as they come (closed by `finish`, also after an
/// error); the table a block per batch, its header once, its columns as
/// wide as the widest cell so far. A closed stdout ends the writing quietly.
pub struct Pages {
    format: Format,
    colour: bool,
    fields: &'static [&'static str],
    headers: &'static [&'static str],
    widths: Vec<usize>,
    written: usize,
    closed: bool,
}

impl Pages {
    pub fn new(
        fields: &'static [&'static str],
        headers: &'static [&'static str],
        format: Format,
        colour: bool,
    ) -> Self {
        Self {
            format,
            colour,
            fields,
            headers,
            widths: Vec::new(),
            written: 0,
            closed: false,
        }
    }

    /// Writes a batch of records now.
    pub fn write(&mut self, batch: &Report) -> io::Result<()> {
        let first = self.written == 0;
        let mut text = Vec::new();
        match self.format {
            Format::Table => {
                if first {
                    self.widths = self.headers.iter().map(|h| h.chars().count()).collect();
                }
                table_rows(batch, self.colour, first, &mut self.widths, &mut text)?;
            }
            Format::Jsonl => render(batch, Format::Jsonl, false, &mut text)?,
            Format::Csv => {
                if first {
                    writeln!(
                        text,
                        "{}",
                        csv_line(self.fields.iter().map(|f| f.to_string()))
                    )?;
                }
                for record in &batch.records {
                    writeln!(text, "{}", csv_line(record.iter().map(plain)))?;
                }
            }
            Format::Json => {
                for (i, record) in batch.records.iter().enumerate() {
                    let open = if first && i == 0 { "[\n" } else { ",\n" };
                    write!(text, "{open}  {}", object(self.fields, record))?;
                }
            }
        }
        self.written += batch.records.len();
        self.emit(&text)
    }

    /// Ends the output (the JSON array's bracket; a table's header when
    /// there was nothing).
    pub fn finish(mut self) -> io::Result<()> {
        let text = match self.format {
            Format::Json if self.written == 0 => "[]\n".to_string(),
            Format::Json => "\n]\n".to_string(),
            Format::Csv | Format::Table if self.written == 0 => {
                let mut text = Vec::new();
                render(
                    &Report::new(self.fields, self.headers),
                    self.format,
                    self.colour,
                    &mut text,
                )?;
                String::from_utf8_lossy(&text).into_owned()
            }
            _ => return Ok(()),
        };
        self.emit(text.as_bytes())
    }

    fn emit(&mut self, text: &[u8]) -> io::Result<()> {
        if self.closed || text.is_empty() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match out.write_all(text).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// Renders `report` in `format` into `out`.
pub fn render(
    report: &Report,
    format: Format,
    colour: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => table(report, colour, out),
        Format::Jsonl => {
            for record in &report.records {
                writeln!(out, "{}", object(report.fields, record))?;
            }
            Ok(())
        }
        Format::Json => {
            if report.records.is_empty() {
                return writeln!(out, "[]");
            }
            writeln!(out, "[")?;
            for (i, record) in report.records.iter().enumerate() {
                let comma = if i + 1 < report.records.len() {
                    ","
                } else {
                    ""
                };
                writeln!(out, "  {}{comma}", object(report.fields, record))?;
            }
            writeln!(out, "]")
        }
        Format::Csv => {
            writeln!(
                out,
                "{}",
                csv_line(report.fields.iter().map(|f| f.to_string()))
            )?;
            for record in &report.records {
                writeln!(out, "{}", csv_line(record.iter().map(plain)))?;
            }
            Ok(())
        }
    }
}

/// A JSON object with the fields in order.
fn object(fields: &[&str], values: &[Value]) -> String {
    let members: Vec<String> = fields
        .iter()
        .zip(values)
        .map(|(field, value)| format!("{}:{value}", Value::from(*field)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// A value as text: strings without quotes, null as nothing.
pub fn plain(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A CSV line of these fields.
fn csv_line(fields: impl Iterator<Item = String>) -> String {
    fields.map(|f| csv_field(&f)).collect::<Vec<_>>().join(",")
}

/// A CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Aligned columns under a header; the last column is not padded.
fn table(report: &Report, colour: bool, out: &mut impl Write) -> io::Result<()> {
    let mut widths: Vec<usize> = report.headers.iter().map(|h| h.chars().count()).collect();
    table_rows(report, colour, true, &mut widths, out)
}

/// The rows of `report` (after its header, with `header`), in columns at
/// least `widths` wide; `widths` grows to the widest cells.
fn table_rows(
    report: &Report,
    colour: bool,
    header: bool,
    widths: &mut [usize],
    out: &mut impl Write,
) -> io::Result<()> {
    // Text from the server or a file name may hold control characters
    // (escape sequences would drive the terminal): each becomes a space.
    let clean = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| Cell::styled(clean(&c.text), c.style))
                .collect()
        })
        .collect();
    let width = |text: &str| text.chars().count();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(&cell.text));
        }
    }
    let line = |cells: Vec<Cell>, out: &mut dyn Write| -> io::Result<()> {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = if i == last {
                0
            } else {
                widths[i].saturating_sub(width(&cell.text))
            };
            match cell.style.code().filter(|_| colour) {
                Some(code) => text.push_str(&format!("{code}{}\x1b[0m", cell.text)),
                None => text.push_str(&cell.text),
            }
            text.push_str(&" ".repeat(pad));
        }
        writeln!(out, "{}", text.trim_end())
    };
    if header {
        let header = report.headers.iter().map(|h| Cell::from(*h)).collect();
        line(header, out)?;
    }
    for row in rows {
        line(row, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report() -> Report {
        let mut report = Report::new(&["input", "n"], &["INPUT", "N", "NOTES"]);
        report.push(
            vec![json!("a,\"b\".png"), json!(1)],
            vec!["a.png".into(), Cell::styled("1", Style::Bad), "".into()],
        );
        report.push(
            vec![json!("long-name.png"), Value::Null],
            vec!["long-name.png".into(), "".into(), "x".into()],
        );
        report
    }

    fn rendered(format: Format, colour: bool) -> String {
        let mut out = Vec::new();
        render(&report(), format, colour, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_renders() {
        assert_eq!(
            rendered(Format::Jsonl, false),
            "{\"input\":\"a,\\\"b\\\".png\",\"n\":1}\n{\"input\":\"long-name.png\",\"n\":null}\n"
        );
        let json: Value = serde_json::from_str(&rendered(Format::Json, false)).unwrap();
        assert_eq!(json[1]["input"], "long-name.png");
        assert_eq!(
            rendered(Format::Csv, false),
            "input,n\n\"a,\"\"b\"\".png\",1\nlong-name.png,\n"
        );
        assert_eq!(
            rendered(Format::Table, false),
            "INPUT          N  NOTES\na.png          1\nlong-name.png     x\n"
        );
        assert!(rendered(Format::Table, true).contains("\x1b[31m1\x1b[0m"));
    }
}
