//! A minimal aligned text table.

/// Columns of text, left-aligned except those marked numeric (right-aligned).
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// `columns`: names; a name ending in `>` is right-aligned (the `>` is dropped).
    pub fn new(columns: &[&str]) -> Self {
        Table {
            header: columns.iter().map(|c| c.trim_end_matches('>').to_string()).collect(),
            numeric: columns.iter().map(|c| c.ends_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Control characters in cells (an escape sequence in a workspace or person's
    /// name, a line break) are shown as `\u{..}` escapes: a table never moves the cursor, recolours
    /// the terminal or breaks its own lines.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(printable).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders with `indent` spaces before each line and two spaces between columns.
    pub fn render(&self, indent: usize) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate() {
                if index < widths.len() {
                    widths[index] = widths[index].max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| -> String {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(index, cell)| {
                    let width = widths.get(index).copied().unwrap_or(0);
                    if self.numeric.get(index).copied().unwrap_or(false) { format!("{cell:>width$}") } else { format!("{cell:<width$}") }
                })
                .collect();
            format!("{}{}", " ".repeat(indent), parts.join("  ").trim_end())
        };
        let mut out = vec![line(&self.header)];
        out.extend(self.rows.iter().map(|row| line(row)));
        out.join("\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table: numeric columns right-aligned, `|` and other markup in
    /// cells escaped.
    pub fn render_markdown(&self) -> String {
        let row = |cells: &[String]| -> String {
            let cells: Vec<String> = cells.iter().map(|cell| crate::summary::markdown_escape(cell)).collect();
            format!("| {} |", cells.join(" | "))
        };
        let rule: Vec<&str> = self.numeric.iter().map(|numeric| if *numeric { "---:" } else { "---" }).collect();
        let mut out = vec![row(&self.header), format!("| {} |", rule.join(" | "))];
        out.extend(self.rows.iter().map(|cells| row(cells)));
        out.join("\n") + "\n"
    }
}

/// `text` with every control character written as a `\u{..}` escape.
pub(crate) fn printable(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn regression_control_characters_in_names_are_shown_not_obeyed() {
        let mut table = Table::new(&["Name", "Spend>"]);
        table.row(vec!["\u{1b}[2J\u{1b}[31mevil\nline\r".into(), "$3.00".into()]);
        let text = table.render(0);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert_eq!(text.lines().count(), 2, "one header, one row: {text:?}");
        assert!(text.contains("\\u{1b}[2J\\u{1b}[31mevil\\u{a}line\\u{d}"), "{text:?}");
    }

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let mut table = Table::new(&["Name", "Spend>"]);
        table.row(vec!["support-bot".into(), "$1,200.00".into()]);
        table.row(vec!["x".into(), "$3.00".into()]);
        assert_eq!(table.render(2), "  Name             Spend\n  support-bot  $1,200.00\n  x                $3.00\n");
    }

    #[test]
    fn renders_markdown_with_alignment_and_escapes() {
        let mut table = Table::new(&["Name", "Spend>"]);
        table.row(vec!["a|b <x>".into(), "$3.00".into()]);
        assert_eq!(table.render_markdown(), "| Name | Spend |\n| --- | ---: |\n| a\\|b \\<x\\> | $3.00 |\n");
    }
}
