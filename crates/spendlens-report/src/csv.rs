//! One CSV cell rule for every CSV spendlens writes (the report's and FOCUS): RFC 4180 quoting,
//! and a guard against spreadsheet formulas (CWE-1236). A cell that starts with `=`, `+`, `-`,
//! `@`, a tab or a carriage return is prefixed with `'`, so Excel, LibreOffice and Google Sheets
//! show it as text instead of running it; a number (`-12.5`) is left as it is.

use rust_decimal::Decimal;

/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell: formula-guarded, then quoted when it holds a comma, quote or line break.
pub fn cell(text: &str) -> String {
    let number = text.parse::<Decimal>().is_ok() || Decimal::from_scientific(text).is_ok();
    let guarded = if text.starts_with(FORMULA_STARTS) && !number { format!("'{text}") } else { text.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formula_safe() {
        let rows = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-x", "'-x"),
            ("-12.5", "-12.5"),
            ("-1e3", "-1e3"),
            // Regression: a leading tab or carriage return also opens a formula in some spreadsheets.
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r=1+1\""),
            ("", ""),
        ];
        for (text, expected) in rows {
            assert_eq!(cell(text), expected, "{text:?}");
        }
    }
}
