//! The run report: sections with tables, figures and pass/fail checks against
//! the paper, rendered as Markdown and as a self-contained HTML page.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One criterion of docs/criteria.md, checked against what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked.
    pub criterion: String,
    /// What the paper (or a reference computation, see docs/criteria.md) reports.
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

    /// Shows the verdict of the criterion this one revised (docs/criteria.md,
    /// "Revisions") beside it, when the two verdicts differ.
    pub fn beside_earlier(self, earlier: Check) -> Self {
        if earlier.passed == self.passed {
            return self;
        }
        let text = format!(
            "the earlier criterion \"{}\" gives {} (measured {})",
            earlier.criterion,
            earlier.verdict(),
            earlier.measured
        );
        self.note(&text)
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
    /// The figures drawn into the run folder.
    pub figures: Vec<Figure>,
    /// One sentence on what the paper's figure shows, set under each figure.
    pub paper_figure: String,
    /// Criteria and verdicts.
    pub checks: Vec<Check>,
}

/// One figure of a section: files `{file}.svg` and `{file}.png` in the run folder.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Figure {
    /// The file stem.
    pub file: String,
    /// What this figure shows (its chart title: the model and the quantity).
    pub caption: String,
}

impl Figure {
    /// The caption: what ours shows, then what the paper's shows.
    fn caption_text(&self, paper: &str) -> String {
        if paper.is_empty() {
            format!("Here: {}.", self.caption)
        } else {
            format!("Here: {}. In the paper: {paper}", self.caption)
        }
    }
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

    /// The report as Markdown, figures linked as PNG: the tally, the verdicts and
    /// a table of contents first, then the sections.
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
        out.push_str("## Verdicts\n\n");
        let verdicts: Vec<Vec<String>> = self
            .verdicts()
            .map(|(s, c)| vec![c.verdict().into(), format!("[{}](#{})", s.id, s.id), c.criterion.clone()])
            .collect();
        markdown_table(&mut out, &["".into(), "section".into(), "criterion".into()], &verdicts);
        out.push_str("## Contents\n\n");
        for s in &self.sections {
            let _ = writeln!(out, "- [{} — {}](#{})", s.id, s.title, s.id);
        }
        out.push('\n');
        for s in &self.sections {
            let _ = writeln!(out, "<a id=\"{}\"></a>\n\n## {} — {}\n", s.id, s.id, s.title);
            for p in &s.text {
                let _ = writeln!(out, "{p}\n");
            }
            for t in &s.tables {
                markdown_table(&mut out, &t.header, &t.rows);
            }
            for f in &s.figures {
                let _ = writeln!(
                    out,
                    "![{}]({}.png)\n\n*{}*\n",
                    f.caption,
                    f.file,
                    f.caption_text(&s.paper_figure)
                );
            }
            if !s.checks.is_empty() {
                let header: Vec<String> = CHECK_HEADER.iter().map(|h| h.to_string()).collect();
                markdown_table(&mut out, &header, &check_rows(&s.checks));
            }
        }
        out
    }

    /// Every check with the section it belongs to, in report order.
    fn verdicts(&self) -> impl Iterator<Item = (&Section, &Check)> {
        self.sections.iter().flat_map(|s| s.checks.iter().map(move |c| (s, c)))
    }

    /// The report as one HTML page with the SVG figures inlined from `dir`.
    pub fn to_html(&self, dir: &Path) -> String {
        let esc = |s: &str| inline_markdown(&escape_html(s));
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
             figure{{display:inline-block;margin:0.5em;max-width:520px;vertical-align:top}}figcaption{{font-size:85%;color:#333}}code{{background:#f2f2f2;padding:0 3px}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>{}</h1>\n",
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
        out.push_str("<h2>Verdicts</h2><table><tr><th></th><th>section</th><th>criterion</th></tr>");
        for (s, c) in self.verdicts() {
            let class = match c.passed {
                Some(true) => " class=\"pass\"",
                Some(false) => " class=\"fail\"",
                None => "",
            };
            let _ = write!(
                out,
                "<tr><td{class}>{}</td><td><a href=\"#{}\">{}</a></td><td>{}</td></tr>",
                c.verdict(),
                s.id,
                esc(&s.id),
                esc(&c.criterion)
            );
        }
        out.push_str("</table>\n<h2>Contents</h2><ul>");
        for s in &self.sections {
            let _ = write!(out, "<li><a href=\"#{}\">{} — {}</a></li>", s.id, esc(&s.id), esc(&s.title));
        }
        out.push_str("</ul>\n");
        for s in &self.sections {
            let _ = writeln!(out, "<h2 id=\"{}\">{} — {}</h2>", s.id, esc(&s.id), esc(&s.title));
            for p in &s.text {
                let _ = writeln!(out, "<p>{}</p>", esc(p));
            }
            for t in &s.tables {
                table(&mut out, &t.header, &t.rows);
            }
            for f in &s.figures {
                match std::fs::read_to_string(dir.join(format!("{}.svg", f.file))) {
                    Ok(svg) => {
                        let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(&svg);
                        let caption = esc(&f.caption_text(&s.paper_figure));
                        let _ = writeln!(out, "<figure>{body}<figcaption>{caption}</figcaption></figure>");
                    }
                    Err(_) => {
                        let _ = writeln!(out, "<p><i>figure {} unavailable</i></p>", esc(&f.file));
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

/// `<`, `>` and `&` as HTML entities.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The two bits of Markdown the report's texts use, as HTML: `code` and **bold**.
/// (Text is escaped first, so this only adds tags.) An unpaired marker stays as it is.
fn inline_markdown(text: &str) -> String {
    let code = wrap_pairs(text, "`", "<code>", "</code>");
    wrap_pairs(&code, "**", "<b>", "</b>")
}

/// Replaces each pair of `marker`s by `open` … `close`.
fn wrap_pairs(text: &str, marker: &str, open: &str, close: &str) -> String {
    let pieces: Vec<&str> = text.split(marker).collect();
    let paired = (pieces.len() - 1) / 2 * 2; // markers that have a partner
    let mut out = pieces[0].to_string();
    for (k, piece) in pieces[1..].iter().enumerate() {
        // Marker k (from 0): even ones open, odd ones close; a last unpaired one stays.
        out.push_str(if k >= paired {
            marker
        } else if k % 2 == 0 {
            open
        } else {
            close
        });
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_markers_become_tags_and_unpaired_ones_stay() {
        assert_eq!(inline_markdown("run `cargo test` **now**"), "run <code>cargo test</code> <b>now</b>");
        assert_eq!(inline_markdown("a `b` c `d"), "a <code>b</code> c `d");
        assert_eq!(inline_markdown("plain"), "plain");
    }
}
