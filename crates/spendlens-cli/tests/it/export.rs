//! `spendlens export focus` and `spendlens report --format html` on a small demo organisation,
//! including a headless-Chromium screenshot of the HTML report. (The FinOps Foundation validator
//! runs on the demo's export in `.ci/run`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use crate::support::{json, ok};

/// The FOCUS 1.2 columns the export promises, in order.
const FOCUS_COLUMNS: [&str; 47] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
];

/// The bar colours of the HTML report's first chart: Claude Code, API, unassigned.
const PATH_RGB: [[u8; 3]; 3] = [[0xd9, 0x77, 0x57], [0x3b, 0x6f, 0xd4], [0x9a, 0x9a, 0x9a]];

fn small_demo(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(&data, &["demo", "--engineers", "16", "--days", "45"]);
    data
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("{text:?} is not an exact decimal"))
}

#[test]
fn focus_export_bills_every_dollar_of_the_report_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_demo(dir.path());
    let report = json(&data, &["report", "--month", "2026-10", "--json"]);
    let total = decimal(report["total_usd"].as_str().unwrap());

    let csv_path = dir.path().join("focus.csv");
    ok(&data, &["export", "focus", "--month", "2026-10", "--out", csv_path.to_str().unwrap()]);
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, FOCUS_COLUMNS);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(records.len() > 100, "{} rows", records.len());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();

    let billed: Decimal = records.iter().map(|r| decimal(&r[column("BilledCost")])).sum();
    assert_eq!(billed, total, "BilledCost sums to the report's total exactly");
    let effective: Decimal = records.iter().map(|r| decimal(&r[column("EffectiveCost")])).sum();
    assert_eq!(effective, total, "seat fees are amortised within the month: EffectiveCost sums to the total too");
    let by_service = |service: &str| -> Decimal {
        records.iter().filter(|r| &r[column("ServiceName")] == service).map(|r| decimal(&r[column("BilledCost")])).sum()
    };
    let claude_code = decimal(report["paths"]["claude_code"]["total_usd"].as_str().unwrap());
    assert_eq!(by_service("Claude Code"), claude_code);
    assert_eq!(by_service("Claude Code") + by_service("Claude API"), total);

    let categories: std::collections::BTreeSet<&str> = records.iter().map(|r| r.get(column("ChargeCategory")).unwrap()).collect();
    assert!(categories.contains("Usage") && categories.contains("Purchase"), "{categories:?}");
    for record in &records {
        assert_eq!(&record[column("BillingCurrency")], "USD");
        assert_eq!(&record[column("ProviderName")], "Anthropic");
        assert!(record[column("ChargePeriodStart")].starts_with("2026-10-"), "{record:?}");
        let tags: serde_json::Value = serde_json::from_str(&record[column("Tags")]).unwrap();
        assert!(tags.get("path").is_some() && tags.get("rule").is_some(), "{tags}");
        if &record[column("ChargeCategory")] == "Usage" && !record[column("ConsumedQuantity")].is_empty() {
            assert!(decimal(&record[column("ConsumedQuantity")]) >= Decimal::ZERO);
        }
    }
    let tokens: Decimal =
        records.iter().filter(|r| &r[column("ConsumedUnit")] == "Tokens").map(|r| decimal(&r[column("ConsumedQuantity")])).sum();
    assert!(tokens > Decimal::from(1_000_000), "token quantities come from the usage report: {tokens}");

    let parquet_path = dir.path().join("focus.parquet");
    ok(&data, &["export", "focus", "--month", "2026-10", "--out", parquet_path.to_str().unwrap()]);
    let file = std::fs::File::open(&parquet_path).unwrap();
    let parquet = parquet::file::reader::SerializedFileReader::new(file).unwrap();
    use parquet::file::reader::FileReader;
    let metadata = parquet.metadata();
    assert_eq!(metadata.file_metadata().num_rows() as usize, records.len());
    let names: Vec<&str> = metadata.file_metadata().schema_descr().columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, FOCUS_COLUMNS);
}

fn render_html(dir: &Path) -> (PathBuf, Decimal) {
    let data = small_demo(dir);
    let report = json(&data, &["report", "--month", "2026-10", "--json"]);
    let html_path = dir.join("report.html");
    ok(&data, &["report", "--month", "2026-10", "--format", "html", "--out", html_path.to_str().unwrap()]);
    (html_path, decimal(report["total_usd"].as_str().unwrap()))
}

#[test]
fn html_report_shows_the_reports_totals_and_stands_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (html_path, total) = render_html(dir.path());
    let html = std::fs::read_to_string(&html_path).unwrap();
    let shown = html.split(r#"id="total">Total <span class="usd" data-usd=""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    assert_eq!(decimal(shown), total);
    for forbidden in ["http://", "https://", "<script"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    // The JSON alias and the table default still work.
    assert!(ok(&html_path.parent().unwrap().join("data"), &["report", "--month", "2026-10"]).contains("spendlens report · 2026-10"));
}

/// Chromium from `$CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("CHROMIUM").map(PathBuf::from).into_iter().collect();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")]);
    candidates.into_iter().chain(on_path).find(|candidate| candidate.is_file()).unwrap_or_else(|| {
        panic!(
            "headless Chromium is required for the HTML report's browser test and was not found \
             (set CHROMIUM, or install it: `apt-get install -y chromium`; .ci/run installs it)"
        )
    })
}

#[test]
fn html_report_renders_its_charts_in_headless_chromium() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let (html_path, _) = render_html(dir.path());
    let screenshot = dir.path().join("report.png");
    let profile = dir.path().join("chromium-profile");
    let mut child = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--window-size=1400,2000")
        .arg(format!("file://{}", html_path.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("starting {}: {error}", browser.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("{} took over two minutes to screenshot the report", browser.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success() && screenshot.is_file(), "{} failed ({status}): {stderr}", browser.display());

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&screenshot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "{:?}", frame.color_type);
    assert!(frame.width >= 1000 && frame.height >= 1000, "{}x{}", frame.width, frame.height);
    // The paths chart is the first thing under the heading: its bars are drawn within the top 320
    // pixels, between x = 280 and x = 800. The largest path's bar is 420 x 22 pixels whatever the
    // amounts, and Claude Code's is non-empty in the demo.
    let mut bar_pixels = [0usize; 3];
    for y in 0..320.min(frame.height as usize) {
        for x in 280..800.min(frame.width as usize) {
            let at = (y * frame.width as usize + x) * channels;
            let rgb = &pixels[at..at + 3];
            for (count, colour) in bar_pixels.iter_mut().zip(PATH_RGB) {
                if rgb.iter().zip(colour).all(|(got, want)| got.abs_diff(want) <= 6) {
                    *count += 1;
                }
            }
        }
    }
    let [claude_code, api, unassigned] = bar_pixels;
    assert!(
        claude_code + api + unassigned > 8_000,
        "the first chart looks blank: {bar_pixels:?} bar pixels (Claude Code, API, unassigned) in its area"
    );
    assert!(claude_code > 500, "the Claude Code bar is missing from the first chart: {bar_pixels:?}");
}
