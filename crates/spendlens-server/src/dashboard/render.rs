//! A page as blocks (headline figures, charts, tables, notes), rendered as one HTML document or a
//! table as CSV. Pages are plain HTML with a stylesheet and a small script of this crate's own
//! (sorting and a row filter for tables; the pages work without it). Amounts are shown as people
//! read them (`$1,234.56`) with the exact decimal in `data-usd`; CSV carries the exact decimals,
//! every cell through the report's one CSV cell rule (quoting and the formula guard).

use std::fmt::Write as _;

use spendlens_model::{Money, Path, Period};

use super::query::Filters;

/// One page of the dashboard, as its slug, title and blocks.
pub struct Page {
    pub slug: &'static str,
    pub title: &'static str,
    pub period: Option<Period>,
    pub blocks: Vec<Block>,
    /// The REST answers behind the page (paths with their query strings).
    pub api: Vec<String>,
}

pub enum Block {
    Heading(String),
    /// Headline figures: (id, label, amount).
    Figures(Vec<Figure>),
    /// An SVG chart (rendered by [`super::svg`]).
    Chart(String),
    Table(Table),
    /// A sentence for people (escaped when rendered).
    Note(String),
    /// A form that sets parameters of this page's address.
    Form(Form),
    /// An analysis this build does not have yet.
    Pending {
        what: &'static str,
        issue: u32,
    },
}

/// A GET form to the page's own address: its fields, and the page's other parameters kept as
/// hidden fields, so submitting it changes only what it asks.
pub struct Form {
    pub id: String,
    pub label: String,
    pub hidden: Vec<(&'static str, String)>,
    pub fields: Vec<Field>,
    pub submit: String,
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub value: String,
}

pub enum Input {
    Month,
    Number {
        min: &'static str,
        step: &'static str,
    },
    /// (value, label) pairs.
    Select(Vec<(&'static str, &'static str)>),
}

pub struct Figure {
    pub id: String,
    pub label: String,
    pub value: Cell,
}

/// A table: its id (the CSV export's name), title, columns and rows.
pub struct Table {
    pub id: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell: what people read, what CSV and `data-` attributes carry, and where it leads.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub exact: Option<String>,
    pub link: Option<String>,
    pub numeric: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }

    pub fn usd(amount: Money) -> Cell {
        Cell { text: amount.to_string(), exact: Some(amount.to_exact_string()), link: None, numeric: true }
    }

    pub fn maybe_usd(amount: Option<Money>) -> Cell {
        amount.map_or_else(|| Cell { numeric: true, ..Cell::text("") }, Cell::usd)
    }

    pub fn count(value: impl std::fmt::Display) -> Cell {
        let text = value.to_string();
        Cell { exact: Some(text.clone()), text, link: None, numeric: true }
    }

    pub fn linked(mut self, link: String) -> Cell {
        self.link = Some(link);
        self
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages, in the navigation's order: (slug, address, title).
pub const PAGES: [(&str, &str, &str); 8] = [
    ("overview", "/", "Overview"),
    ("claude-code", "/claude-code", "Claude Code"),
    ("api", "/api", "API"),
    ("savings", "/savings", "Savings"),
    ("forecast", "/forecast", "Forecast and commitment"),
    ("spikes", "/spikes", "Spikes"),
    ("reconciliation", "/reconciliation", "Reconciliation"),
    ("ledger", "/ledger", "Ledger"),
];

/// The whole HTML document of `page`.
pub fn html(page: &Page, filters: &Filters) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r##"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>{title} · spendlens</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboard.css"><script src="/assets/dashboard.js" defer></script></head><body data-page="{slug}"><a class="skip" href="#main">Skip to content</a><header><span class="brand">spendlens</span><nav aria-label="Pages"><ul>"##,
        title = escape(page.title),
        slug = page.slug,
    );
    let query = filters.query(&[]);
    for (index, (slug, address, title)) in PAGES.iter().enumerate() {
        let current = if *slug == page.slug { r#" aria-current="page""# } else { "" };
        let href = if query.is_empty() { address.to_string() } else { format!("{address}?{query}") };
        let _ = write!(out, r#"<li><a href="{}" accesskey="{}"{current}>{}</a></li>"#, escape(&href), index + 1, escape(title));
    }
    out.push_str("</ul></nav></header>");
    out.push_str(&filter_form(page, filters));
    let _ = write!(out, r#"<main id="main" tabindex="-1"><h1>{}</h1>"#, escape(page.title));
    if let Some(period) = page.period {
        let last = period.end - chrono::Duration::days(1);
        let _ =
            write!(out, r#"<p class="period" id="period" data-start="{}" data-end="{last}">{} to {last}</p>"#, period.start, period.start);
    }
    for block in &page.blocks {
        render_block(&mut out, page, filters, block);
    }
    out.push_str(r#"<footer><p>REST answers behind this page: "#);
    let links: Vec<String> = page.api.iter().map(|api| format!(r#"<a href="{0}"><code>{0}</code></a>"#, escape(api))).collect();
    out.push_str(&links.join(", "));
    out.push_str(
        r#" · <a href="/api/v1/openapi.json">OpenAPI</a> · keys: Alt+1…8 pages, / filter a table</p></footer></main></body></html>"#,
    );
    out
}

fn filter_form(page: &Page, filters: &Filters) -> String {
    let address = PAGES.iter().find(|(slug, ..)| *slug == page.slug).map_or("/", |(_, address, _)| *address);
    let value = |text: Option<String>| escape(&text.unwrap_or_default());
    let mut out = format!(r#"<form class="filters" method="get" action="{address}" aria-label="Filters">"#);
    let _ = write!(
        out,
        r#"<label>Month <input type="month" name="month" value="{}"></label><label>Since <input type="date" name="since" value="{}"></label><label>Until <input type="date" name="until" value="{}"></label><label>Path <select name="path"><option value="">both paths</option>"#,
        value(filters.month.clone()),
        value(filters.since.map(|day| day.to_string())),
        value(filters.until.map(|day| day.to_string())),
    );
    for path in Path::ALL {
        let selected = if filters.path == Some(*path) { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{}"{selected}>{}</option>"#, path.as_str(), super::svg::path_name(*path));
    }
    let _ = write!(
        out,
        r#"</select></label><label>Team <input name="team" value="{}" size="12"></label><label>Feature <input name="feature" value="{}" size="12"></label>"#,
        value(filters.team.clone()),
        value(filters.feature.clone()),
    );
    if page.slug == "overview" {
        out.push_str(r#"<label>Trend by <select name="grain">"#);
        for grain in ["day", "week", "month"] {
            let selected = if filters.grain.as_str() == grain { " selected" } else { "" };
            let _ = write!(out, r#"<option value="{grain}"{selected}>{grain}</option>"#);
        }
        out.push_str("</select></label>");
    }
    if page.slug == "ledger" {
        let _ = write!(
            out,
            r#"<label>Driver <input name="driver" value="{}" size="14"></label><label>API key <input name="key" value="{}" size="10"></label>"#,
            value(filters.driver.clone()),
            value(filters.key.clone())
        );
    }
    out.push_str(r#"<button type="submit">Apply</button> <a href="?">Clear</a></form>"#);
    out
}

fn render_block(out: &mut String, page: &Page, filters: &Filters, block: &Block) {
    match block {
        Block::Heading(text) => {
            let _ = write!(out, "<h2>{}</h2>", escape(text));
        }
        Block::Figures(figures) => {
            out.push_str(r#"<dl class="figures">"#);
            for figure in figures {
                let _ = write!(
                    out,
                    r#"<div><dt>{}</dt><dd id="{}"{}>{}</dd></div>"#,
                    escape(&figure.label),
                    escape(&figure.id),
                    data(&figure.value),
                    cell_html(&figure.value)
                );
            }
            out.push_str("</dl>");
        }
        Block::Chart(svg) => {
            let _ = write!(out, r#"<figure class="chart-box">{svg}</figure>"#);
        }
        Block::Note(text) => {
            let _ = write!(out, r#"<p class="note">{}</p>"#, escape(text));
        }
        Block::Form(form) => render_form(out, page, form),
        Block::Pending { what, issue } => {
            let _ = write!(
                out,
                r#"<p class="pending" role="status">{} has not landed in this build yet (issue {issue}): this page shows it once it does.</p>"#,
                escape(what)
            );
        }
        Block::Table(table) => {
            let csv = format!("/csv/{}/{}?{}", page.slug, table.id, filters.query(&[]));
            let _ = write!(
                out,
                r#"<section class="table-box" aria-labelledby="t-{id}"><h2 id="t-{id}">{title} <small>({rows} rows) · <a href="{csv}" download>CSV</a></small></h2>"#,
                id = table.id,
                title = escape(&table.title),
                rows = table.rows.len(),
                csv = escape(&csv),
            );
            if table.rows.is_empty() {
                out.push_str(r#"<p class="note">Nothing to show for these filters.</p></section>"#);
                return;
            }
            let _ = write!(out, r#"<div class="scroll" tabindex="0"><table id="{}"><thead><tr>"#, table.id);
            let numeric: Vec<bool> = (0..table.columns.len())
                .map(|column| table.rows.iter().any(|row| row.get(column).is_some_and(|cell| cell.numeric)))
                .collect();
            for (column, name) in table.columns.iter().enumerate() {
                let class = if numeric[column] { r#" class="num""# } else { "" };
                let _ = write!(out, r#"<th scope="col"{class}>{}</th>"#, escape(name));
            }
            out.push_str("</tr></thead><tbody>");
            for row in &table.rows {
                out.push_str("<tr>");
                for cell in row {
                    let class = if cell.numeric { r#" class="num""# } else { "" };
                    let _ = write!(out, "<td{class}{}>{}</td>", data(cell), cell_html(cell));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table></div></section>");
        }
    }
}

fn render_form(out: &mut String, page: &Page, form: &Form) {
    let address = PAGES.iter().find(|(slug, ..)| *slug == page.slug).map_or("/", |(_, address, _)| *address);
    let _ = write!(
        out,
        r#"<form class="terms" id="{}" method="get" action="{address}" aria-label="{}">"#,
        escape(&form.id),
        escape(&form.label)
    );
    for (name, value) in &form.hidden {
        let _ = write!(out, r#"<input type="hidden" name="{}" value="{}">"#, escape(name), escape(value));
    }
    for field in &form.fields {
        let (name, value) = (escape(field.name), escape(&field.value));
        let _ = write!(out, "<label>{} ", escape(field.label));
        match &field.input {
            Input::Month => {
                let _ = write!(out, r#"<input type="month" name="{name}" value="{value}">"#);
            }
            Input::Number { min, step } => {
                let _ = write!(out, r#"<input type="number" name="{name}" value="{value}" min="{min}" step="{step}" size="8">"#);
            }
            Input::Select(options) => {
                let _ = write!(out, r#"<select name="{name}">"#);
                for (option, label) in options {
                    let selected = if *option == field.value { " selected" } else { "" };
                    let _ = write!(out, r#"<option value="{}"{selected}>{}</option>"#, escape(option), escape(label));
                }
                out.push_str("</select>");
            }
        }
        out.push_str("</label>");
    }
    let _ = write!(out, r#"<button type="submit">{}</button></form>"#, escape(&form.submit));
}

fn data(cell: &Cell) -> String {
    cell.exact.as_ref().map_or_else(String::new, |exact| format!(r#" data-value="{}""#, escape(exact)))
}

fn cell_html(cell: &Cell) -> String {
    match &cell.link {
        Some(link) => format!(r#"<a href="{}">{}</a>"#, escape(link), escape(&cell.text)),
        None => escape(&cell.text),
    }
}

/// A table as CSV: a header row, then one row per table row, exact values where there are.
pub fn csv(table: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = table.columns.iter().map(|name| spendlens_report::csv_cell(name)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|cell| spendlens_report::csv_cell(cell.exact.as_deref().unwrap_or(&cell.text))).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn csv_cells_are_exact_quoted_and_formula_guarded() {
        let table = Table {
            id: "features".into(),
            title: "Features".into(),
            columns: vec!["feature".into(), "total_usd".into()],
            rows: vec![
                vec![Cell::text("=HYPERLINK(\"x\")"), Cell::usd("1234.5678".parse().unwrap())],
                vec![Cell::text("search, v2"), Cell::usd("-3".parse().unwrap())],
            ],
        };
        assert_eq!(csv(&table), "feature,total_usd\n\"'=HYPERLINK(\"\"x\"\")\",1234.5678\n\"search, v2\",-3\n");
    }

    #[test]
    fn a_form_keeps_the_pages_other_parameters_and_marks_its_values() {
        let page = Page {
            slug: "forecast",
            title: "Forecast",
            period: None,
            blocks: vec![Block::Form(Form {
                id: "commit-terms".into(),
                label: "Terms".into(),
                hidden: vec![("month", "2026-10".into()), ("team", "a\"b".into())],
                fields: vec![
                    Field { name: "discount", label: "Discount", input: Input::Number { min: "0", step: "any" }, value: "15".into() },
                    Field {
                        name: "baseline",
                        label: "Baseline",
                        input: Input::Select(vec![("", "default"), ("current", "today")]),
                        value: "current".into(),
                    },
                ],
                submit: "Go".into(),
            })],
            api: Vec::new(),
        };
        let html = html(&page, &Filters::default());
        let form = html.split(r#"<form class="terms""#).nth(1).unwrap().split("</form>").next().unwrap();
        assert!(form.contains(r#"action="/forecast""#), "{form}");
        assert!(form.contains(r#"<input type="hidden" name="month" value="2026-10">"#), "{form}");
        assert!(form.contains(r#"<input type="hidden" name="team" value="a&quot;b">"#), "{form}");
        assert!(form.contains(r#"name="discount" value="15""#), "{form}");
        assert!(form.contains(r#"<option value="current" selected>today</option>"#) && !form.contains(r#"value="" selected"#), "{form}");
    }

    #[test]
    fn html_escapes_text_and_links_and_keeps_exact_amounts() {
        let page = Page {
            slug: "ledger",
            title: "Ledger",
            period: Period::parse_month("2026-10"),
            blocks: vec![Block::Table(Table {
                id: "placements".into(),
                title: "Placements".into(),
                columns: vec!["driver".into(), "total".into()],
                rows: vec![vec![Cell::text("<b>").linked("/ledger?driver=a&b".into()), Cell::usd("1.005".parse().unwrap())]],
            })],
            api: vec!["/api/v1/ledger?month=2026-10".into()],
        };
        let html = html(&page, &Filters::default());
        assert!(html.contains(r#"<a href="/ledger?driver=a&amp;b">&lt;b&gt;</a>"#), "{html}");
        assert!(html.contains(r#"data-value="1.005">$1.01<"#) || html.contains(r#"data-value="1.005">$1.00<"#), "{html}");
        assert!(html.contains(r#"data-start="2026-10-01" data-end="2026-10-31""#));
        assert!(html.contains(r#"href="/csv/ledger/placements?""#));
        assert!(!html.contains("http://") && !html.contains("https://"), "nothing is fetched from elsewhere");
    }
}
