//! The run report: sections with tables, figures and pass/fail checks against
//! the paper, rendered as Markdown and as a self-contained HTML page.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One criterion from PAPER.md, checked against what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked.
    pub criterion: String,
    /// What the paper (or PAPER.md's reference computation) reports.
    pub paper: String,
    /// What this run measured.
    pub measured: String,
    /// `Some(true)` pass, `Some(false)` fail, `None` not checkable at this scale.
    pub passed: Option<bool>,
    /// Why it failed or could not be checked, when known.
    pub note: String,
}

impl Check {
    /// A check with a verdict. `values` are the numbers the verdict was computed
    /// from: if any is NaN or infinite the check is FAIL whatever `passed` says,
    /// with a note saying so, because comparisons with such numbers can come out
    /// true for no good reason (∞ > 30, or a minimum over NaNs that is ∞).
    pub fn new(criterion: &str, paper: &str, measured: String, values: &[f64], passed: bool) -> Self {
        let mut check = Check {
            criterion: criterion.into(),
            paper: paper.into(),
            measured,
            passed: Some(passed),
            note: String::new(),
        };
        let bad: Vec<f64> = values.iter().copied().filter(|v| !v.is_finite()).collect();
        if !bad.is_empty() {
            check.passed = Some(false);
            check.note = format!(
                "not checkable: {} of the {} measured values {} NaN or infinite, so the run produced no usable number; counted as FAIL",
                bad.len(),
                values.len(),
                if bad.len() == 1 { "is" } else { "are" }
            );
        }
        check
    }

    /// A criterion this run cannot decide (too short, other data), and why.
    pub fn not_checkable(criterion: &str, paper: &str, measured: String, reason: &str) -> Self {
        Check {
            criterion: criterion.into(),
            paper: paper.into(),
            measured,
            passed: None,
            note: reason.into(),
        }
    }

    /// Adds an explanation (after any note the check already has).
    pub fn note(mut self, note: &str) -> Self {
        self.note = if self.note.is_empty() { note.into() } else { format!("{}; {note}", self.note) };
        self
    }

    fn verdict(&self) -> &'static str {
        match self.passed {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        }
    }
}

/// A table of strings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: vec![] }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// One study's part of the report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Section {
    /// Short id, also the subcommand: `fig6`, `table1`, ...
    pub id: String,
    /// Heading.
    pub title: String,
    /// Paragraphs of text.
    pub text: Vec<String>,
    /// Tables.
    pub tables: Vec<Table>,
    /// Figure file stems in the run folder (each has `.svg` and `.png`).
    pub figures: Vec<String>,
    /// Criteria and verdicts.
    pub checks: Vec<Check>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Title.
    pub title: String,
    /// Paragraphs before the sections (setting, what was scaled).
    pub preamble: Vec<String>,
    /// The studies.
    pub sections: Vec<Section>,
}

fn markdown_table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", header.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    for row in rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

fn check_rows(checks: &[Check]) -> Vec<Vec<String>> {
    checks
        .iter()
        .map(|c| {
            vec![c.verdict().into(), c.criterion.clone(), c.paper.clone(), c.measured.clone(), c.note.clone()]
        })
        .collect()
}

const CHECK_HEADER: [&str; 5] = ["", "criterion", "paper", "measured", "note"];

impl Report {
    /// Counts of passed, failed and not-checkable criteria.
    pub fn tally(&self) -> (usize, usize, usize) {
        let all = self.sections.iter().flat_map(|s| &s.checks);
        all.fold((0, 0, 0), |(p, f, n), c| match c.passed {
            Some(true) => (p + 1, f, n),
            Some(false) => (p, f + 1, n),
            None => (p, f, n + 1),
        })
    }

    /// The report as Markdown, figures linked as PNG.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for p in &self.preamble {
            let _ = writeln!(out, "{p}\n");
        }
        let (passed, failed, na) = self.tally();
        let _ = writeln!(
            out,
            "**Criteria: {passed} passed, {failed} failed, {na} not checkable at this scale.**\n"
        );
        for s in &self.sections {
            let _ = writeln!(out, "## {} — {}\n", s.id, s.title);
            for p in &s.text {
                let _ = writeln!(out, "{p}\n");
            }
            for t in &s.tables {
                markdown_table(&mut out, &t.header, &t.rows);
            }
            for f in &s.figures {
                let _ = writeln!(out, "![{f}]({f}.png)\n");
            }
            if !s.checks.is_empty() {
                let header: Vec<String> = CHECK_HEADER.iter().map(|h| h.to_string()).collect();
                markdown_table(&mut out, &header, &check_rows(&s.checks));
            }
        }
        out
    }

    /// The report as one HTML page with the SVG figures inlined from `dir`.
    pub fn to_html(&self, dir: &Path) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let table = |out: &mut String, header: &[String], rows: &[Vec<String>]| {
            out.push_str("<table><tr>");
            for h in header {
                let _ = write!(out, "<th>{}</th>", esc(h));
            }
            out.push_str("</tr>");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let class = match cell.as_str() {
                        "PASS" => " class=\"pass\"",
                        "FAIL" => " class=\"fail\"",
                        _ => "",
                    };
                    let _ = write!(out, "<td{class}>{}</td>", esc(cell));
                }
                out.push_str("</tr>");
            }
            out.push_str("</table>\n");
        };
        let mut out = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title><style>\
             body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}}\
             table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:90%}}\
             .pass{{background:#d4f7d4;font-weight:bold}}.fail{{background:#f7d4d4;font-weight:bold}}\
             figure{{display:inline-block;margin:0.5em}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>{}</h1>\n",
            esc(&self.title),
            esc(&self.title)
        );
        for p in &self.preamble {
            let _ = writeln!(out, "<p>{}</p>", esc(p));
        }
        let (passed, failed, na) = self.tally();
        let _ = writeln!(
            out,
            "<p><b>Criteria: {passed} passed, {failed} failed, {na} not checkable at this scale.</b></p>"
        );
        for s in &self.sections {
            let _ = writeln!(out, "<h2 id=\"{}\">{} — {}</h2>", s.id, esc(&s.id), esc(&s.title));
            for p in &s.text {
                let _ = writeln!(out, "<p>{}</p>", esc(p));
            }
            for t in &s.tables {
                table(&mut out, &t.header, &t.rows);
            }
            for f in &s.figures {
                match std::fs::read_to_string(dir.join(format!("{f}.svg"))) {
                    Ok(svg) => {
                        let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(&svg);
                        let _ = writeln!(out, "<figure>{body}<figcaption>{}</figcaption></figure>", esc(f));
                    }
                    Err(_) => {
                        let _ = writeln!(out, "<p><i>figure {} unavailable</i></p>", esc(f));
                    }
                }
            }
            if !s.checks.is_empty() {
                let header: Vec<String> = CHECK_HEADER.iter().map(|h| h.to_string()).collect();
                table(&mut out, &header, &check_rows(&s.checks));
            }
        }
        out.push_str("</body></html>\n");
        out
    }
}
