//! The calibration overlays `calibration/<version>.csv`.

use std::collections::{BTreeMap, HashMap};

use jauge_irt::ItemParams;

use super::Loader;
use crate::diagnostic::{Sink, did_you_mean};
use crate::model::{Calibration, CalibrationEntry, ParamSource, Parameters, StandardErrors};

impl Loader {
    /// The calibration overlay `calibration/<version>.csv`: `id,a,b[,c,d][,se_a,se_b,se_c,se_d]`.
    pub(super) fn calibration(&mut self, path: &str, text: &str) {
        let mut sink = Sink::new(path, text);
        let version = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".csv")
            .to_string();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                sink.error(
                    "calibration-format",
                    0..0,
                    None,
                    format!("unreadable header: {e}"),
                    None,
                );
                self.diags.append(&mut sink.out);
                return;
            }
        };
        const COLUMNS: &[&str] = &["id", "a", "b", "c", "d", "se_a", "se_b", "se_c", "se_d"];
        let header_end = text.find('\n').unwrap_or(text.len());
        let mut col: HashMap<&str, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            match COLUMNS.iter().find(|c| **c == h) {
                Some(c) => {
                    col.insert(c, i);
                }
                None => sink.warning(
                    "calibration-format",
                    0..header_end,
                    None,
                    format!("unknown column `{h}` (ignored)"),
                    Some(match did_you_mean(h, COLUMNS.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the columns are: {}", COLUMNS.join(", ")),
                    }),
                ),
            }
        }
        let missing: Vec<&str> = ["id", "a", "b"]
            .into_iter()
            .filter(|c| !col.contains_key(c))
            .collect();
        if !missing.is_empty() {
            sink.error(
                "calibration-format",
                0..header_end,
                None,
                format!("the header lacks the column(s) {}", missing.join(", ")),
                Some("a calibration file starts with id,a,b,c,d".into()),
            );
            self.diags.append(&mut sink.out);
            return;
        }
        let mut entries: BTreeMap<String, CalibrationEntry> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let start = e.position().map_or(0, |p| p.byte() as usize);
                    sink.error("calibration-format", start..start, None, format!("{e}"), None);
                    continue;
                }
            };
            let start = rec.position().map_or(0, |p| p.byte() as usize);
            let end = text[start.min(text.len())..]
                .find('\n')
                .map_or(text.len(), |n| start + n);
            let span = start..end;
            let cell = |name: &str| col.get(name).and_then(|i| rec.get(*i)).unwrap_or("");
            let id = cell("id").to_string();
            let mut bad = false;
            let mut num = |name: &str, dflt: Option<f64>, sink: &mut Sink<'_>| -> Option<f64> {
                let s = cell(name);
                if s.is_empty() {
                    if dflt.is_none() && ["a", "b"].contains(&name) {
                        sink.error(
                            "calibration-format",
                            span.clone(),
                            Some(&id),
                            format!("the value of `{name}` is missing"),
                            None,
                        );
                        bad = true;
                    }
                    return dflt;
                }
                match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        sink.error(
                            "calibration-format",
                            span.clone(),
                            Some(&id),
                            format!("`{name}` = `{s}` is not a finite number"),
                            None,
                        );
                        bad = true;
                        None
                    }
                }
            };
            let a = num("a", None, &mut sink);
            let b = num("b", None, &mut sink);
            let c = num("c", Some(0.0), &mut sink);
            let d = num("d", Some(1.0), &mut sink);
            let se = StandardErrors {
                a: num("se_a", None, &mut sink),
                b: num("se_b", None, &mut sink),
                c: num("se_c", None, &mut sink),
                d: num("se_d", None, &mut sink),
            };
            if bad {
                continue;
            }
            if id.is_empty() {
                sink.error("calibration-format", span, None, "a row has no id", None);
                continue;
            }
            let (Some(a), Some(b), Some(c), Some(d)) = (a, b, c, d) else {
                continue;
            };
            let params = match ItemParams::new(a, b, c, d) {
                Ok(p) => p,
                Err(e) => {
                    sink.error(
                        "invalid-irt",
                        span,
                        Some(&id),
                        format!("invalid IRT parameters: {e}"),
                        None,
                    );
                    continue;
                }
            };
            if let Some(why) = crate::bounds::out_of_bounds(&params) {
                sink.error(
                    "irt-out-of-bounds",
                    span,
                    Some(&id),
                    format!("IRT parameters out of bounds: {why}"),
                    Some(crate::bounds::HELP.into()),
                );
                continue;
            }
            if !self.ids.contains_key(&id) {
                sink.error(
                    "calibration-unknown-item",
                    span,
                    Some(&id),
                    format!("the calibration names an unknown item `{id}`"),
                    Some(match did_you_mean(&id, self.ids.keys().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "was the item renamed or deleted? calibrate again".into(),
                    }),
                );
                continue;
            }
            if entries.contains_key(&id) {
                sink.error(
                    "calibration-duplicate",
                    span,
                    Some(&id),
                    format!("item `{id}` appears twice in this calibration"),
                    None,
                );
                continue;
            }
            order.push(id.clone());
            entries.insert(id.clone(), CalibrationEntry { id, params, se });
        }
        for item in &mut self.items {
            if let Some(e) = entries.get(&item.id) {
                item.parameters = Parameters {
                    params: e.params,
                    source: ParamSource::Calibrated {
                        version: version.clone(),
                        se: e.se,
                    },
                };
            }
        }
        self.calibrations.push(Calibration {
            version,
            file: path.to_string(),
            items: order.len(),
        });
        self.diags.append(&mut sink.out);
    }
}
