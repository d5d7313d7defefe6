//! One answer line read from stdin in plain mode, within bounds: an answer longer than
//! [`MAX_ANSWER_BYTES`] is refused (and asked again) without being kept in memory, and a line
//! that never ends (`cat /dev/zero | jauge assess --plain`) stops the session, saved, after
//! [`MAX_DISCARDED_BYTES`] instead of growing memory until the allocator aborts. Invalid UTF-8 is
//! refused and asked again; it never ends the session.

use std::io::{self, BufRead};

/// The longest answer line accepted: 16 KiB (the longest right answer of the bank is a few
/// dozen characters; documented in docs/assessments.md).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// How far past [`MAX_ANSWER_BYTES`] a line is read, and dropped, looking for its end before
/// the input is judged unusable: 64 MiB.
pub const MAX_DISCARDED_BYTES: u64 = 64 * 1024 * 1024;

/// What one read of an answer line gave.
#[derive(Debug, PartialEq, Eq)]
pub enum AnswerLine {
    /// A line (without its end of line), valid UTF-8, at most [`MAX_ANSWER_BYTES`] long.
    Line(String),
    /// A line longer than [`MAX_ANSWER_BYTES`]: dropped up to its end; ask again.
    TooLong,
    /// A line that is not valid UTF-8: dropped; ask again.
    NotUtf8,
    /// The input ended (nothing more to read), or a line went on past
    /// [`MAX_DISCARDED_BYTES`] without an end: stop, the session stays resumable.
    End {
        /// True when the input did not end but a line never did.
        endless: bool,
    },
}

/// Reads one answer line from `input` within the bounds above.
pub fn read_answer_line(input: &mut impl BufRead) -> io::Result<AnswerLine> {
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: u64 = 0;
    let mut too_long = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            // end of input: a last line without its newline still counts
            if seen == 0 {
                return Ok(AnswerLine::End { endless: false });
            }
            break;
        }
        let (chunk, found_end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if !too_long {
            if kept.len() + n > MAX_ANSWER_BYTES {
                too_long = true;
                kept = Vec::new();
            } else {
                kept.extend_from_slice(chunk);
            }
        }
        seen += n as u64;
        input.consume(n + usize::from(found_end));
        if found_end {
            break;
        }
        if seen > MAX_ANSWER_BYTES as u64 + MAX_DISCARDED_BYTES {
            return Ok(AnswerLine::End { endless: true });
        }
    }
    if too_long {
        return Ok(AnswerLine::TooLong);
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    match String::from_utf8(kept) {
        Ok(s) => Ok(AnswerLine::Line(s)),
        Err(_) => Ok(AnswerLine::NotUtf8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    fn lines(bytes: &[u8]) -> Vec<AnswerLine> {
        let mut r = BufReader::with_capacity(1024, bytes);
        let mut out = Vec::new();
        loop {
            let l = read_answer_line(&mut r).unwrap();
            let end = matches!(l, AnswerLine::End { .. });
            out.push(l);
            if end {
                return out;
            }
        }
    }

    #[test]
    fn lines_of_every_kind() {
        let long = vec![b'x'; MAX_ANSWER_BYTES + 1];
        let exact = vec![b'y'; MAX_ANSWER_BYTES];
        let mut input = b"b\r\nDNS\n".to_vec();
        input.extend_from_slice(&long);
        input.push(b'\n');
        input.extend_from_slice(b"caf\xe9\n");
        input.extend_from_slice(&exact);
        input.extend_from_slice(b"\n\nlast");
        assert_eq!(
            lines(&input),
            vec![
                AnswerLine::Line("b".into()),
                AnswerLine::Line("DNS".into()),
                AnswerLine::TooLong,
                AnswerLine::NotUtf8,
                AnswerLine::Line(String::from_utf8(exact).unwrap()),
                AnswerLine::Line(String::new()),
                AnswerLine::Line("last".into()),
                AnswerLine::End { endless: false },
            ]
        );
    }

    #[test]
    fn an_endless_line_stops_without_growing_memory() {
        // an endless stream of zeros, as `cat /dev/zero`
        let mut zeros = BufReader::new(io::repeat(0).take(u64::MAX));
        assert_eq!(
            read_answer_line(&mut zeros).unwrap(),
            AnswerLine::End { endless: true }
        );
    }
}
