//! The dashboard and its REST API through the real binary: the API's documents against the CLI's
//! bytes, the Overview's figures against `spendlens report --json` (and its budgets against
//! `spendlens alerts check --json`), every analysis page's numbers against its command's `--json`,
//! the tokens, and every page in headless Debian Chromium, driven over the DevTools protocol on a
//! pipe (`--remote-debugging-pipe`: no WebSocket, no driver, nothing downloaded).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{Reaped, Served, json as cli_json, ok, spendlens};

const READER: &str = "finance-reader-token-8c1f02ab";
const WRITER: &str = "ana-push-token-0c41d9e2";
const PATH_RGB: [[u8; 3]; 3] = [[0xd9, 0x77, 0x57], [0x3b, 0x6f, 0xd4], [0x9a, 0x9a, 0x9a]];

/// A demo organisation (16 engineers, 120 days to 2026-10-31: enough history for a forecast; the
/// ticket classifier adopts its planted routing on 2026-10-10, so savings are realised) with a
/// writer's and a reader's token.
fn demo(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(&data, &["demo", "--engineers", "16", "--days", "120", "--adopt-routing-on", "2026-10-10"]);
    configure(&data, true);
    data
}

fn configure(data: &Path, reader: bool) {
    let mut config = format!("[serve.tokens]\n\"ana@acme.example\" = \"{WRITER}\"\n");
    if reader {
        config.push_str(&format!("[serve.dashboard_tokens]\nfinance = \"{READER}\"\n"));
    }
    let path = data.join("config.toml");
    std::fs::write(&path, config).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// An HTTP/1.1 answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// GET `target` (path and query) from `url` with extra headers, over plain HTTP/1.1.
fn get(url: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {address}\r\n{extra}Connection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked { unchunk(body) } else { body.to_string() };
    Answer { status, headers, body }
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn bearer() -> (&'static str, String) {
    ("Authorization", format!("Bearer {READER}"))
}

fn api(url: &str, target: &str) -> String {
    let (name, value) = bearer();
    let answer = get(url, target, &[(name, &value)]);
    assert_eq!(answer.status, 200, "{target}: {}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"), "{target}");
    answer.body
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|_| panic!("not a decimal: {text:?}"))
}

#[test]
fn dashboard_api_documents_are_the_clis_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let served = Served::start(&data);
    let rows: [(&str, &[&str]); 15] = [
        ("/api/v1/forecast", &["forecast", "--json"]),
        ("/api/v1/forecast?start=2026-10&horizon=2", &["forecast", "--start", "2026-10", "--horizon", "2", "--json"]),
        ("/api/v1/forecast?horizon=1&baseline=optimised", &["forecast", "--horizon", "1", "--baseline", "optimised", "--json"]),
        // The commitment with the CLI's defaults (12 months from the month ahead, overage at list,
        // the optimised baseline), and with every term given.
        ("/api/v1/commit?discount=15", &["commit", "--discount", "15", "--json"]),
        (
            "/api/v1/commit?discount=12.5&term=3&overage_rate=1.25&start=2026-12&baseline=current",
            &[
                "commit",
                "--discount",
                "12.5",
                "--term",
                "3",
                "--overage-rate",
                "1.25",
                "--start",
                "2026-12",
                "--baseline",
                "current",
                "--json",
            ],
        ),
        ("/api/v1/spikes?since=2026-09-01&until=2026-10-31", &["spikes", "--since", "2026-09-01", "--until", "2026-10-31", "--json"]),
        ("/api/v1/seats?month=2026-10", &["seats", "--month", "2026-10", "--json"]),
        ("/api/v1/insights?month=2026-10", &["cc", "insights", "--month", "2026-10", "--json"]),
        ("/api/v1/report?month=2026-10", &["report", "--month", "2026-10", "--json"]),
        ("/api/v1/report?month=2026-09", &["report", "--month", "2026-09", "--json"]),
        ("/api/v1/report?since=2026-10-03&until=2026-10-17", &["report", "--since", "2026-10-03", "--until", "2026-10-17", "--json"]),
        ("/api/v1/ledger?month=2026-10&path=api", &["ledger", "--month", "2026-10", "--path", "api", "--json"]),
        ("/api/v1/reconcile?month=2026-10", &["reconcile", "--month", "2026-10", "--json"]),
        ("/api/v1/optimise?month=2026-10", &["optimise", "--month", "2026-10", "--json"]),
        ("/api/v1/savings?since=2026-09-01&until=2026-10-31", &["savings", "--since", "2026-09-01", "--until", "2026-10-31", "--json"]),
    ];
    for (target, command) in rows {
        assert_eq!(api(&served.url, target), ok(&data, command), "{target} differs from spendlens {command:?}");
    }
    // Without a period: the latest month, as the CLI.
    assert_eq!(api(&served.url, "/api/v1/report"), ok(&data, &["report", "--json"]));

    // Every endpoint the OpenAPI file describes answers; a wrong parameter is a 400 naming it.
    let openapi: Value = serde_json::from_str(&api(&served.url, "/api/v1/openapi.json")).unwrap();
    for path in openapi["paths"].as_object().unwrap().keys() {
        let query = if path.ends_with("/commit") { "discount=15" } else { "month=2026-10" };
        api(&served.url, &format!("{path}?{query}"));
    }
    let (name, value) = bearer();
    for (target, named) in [
        ("/api/v1/report?month=October", "month=\"October\""),
        ("/api/v1/commit?term=3", "commit needs discount=PCT"),
        ("/api/v1/commit?discount=15&term=0", "term=\"0\""),
        ("/api/v1/commit?discount=15&overage_rate=x", "overage_rate=\"x\""),
        ("/api/v1/forecast?start=2026-08", "--start 2026-08 is before 2026-10"),
    ] {
        let wrong = get(&served.url, target, &[(name, &value)]);
        assert_eq!(wrong.status, 400, "{target}: {}", wrong.body);
        assert!(wrong.body.contains(named), "{target}: {}", wrong.body);
    }

    // The trend's buckets and multi-day charges make the report's total, at every grain.
    let report: Value = serde_json::from_str(&ok(&data, &["report", "--month", "2026-10", "--json"])).unwrap();
    for grain in ["day", "week", "month"] {
        let trend: Value = serde_json::from_str(&api(&served.url, &format!("/api/v1/trend?month=2026-10&grain={grain}"))).unwrap();
        let buckets: Decimal =
            trend["buckets"].as_array().unwrap().iter().map(|bucket| decimal(bucket["total_usd"].as_str().unwrap())).sum();
        let multi_day = decimal(trend["multi_day"]["total_usd"].as_str().unwrap());
        assert_eq!(buckets + multi_day, decimal(report["total_usd"].as_str().unwrap()), "{grain}");
        let expected_buckets = match grain {
            "day" => 31,
            "week" => 5, // Thu 1-Sun 4, then four Mondays: 5, 12, 19, 26
            _ => 1,
        };
        assert_eq!(trend["buckets"].as_array().unwrap().len(), expected_buckets, "{grain}");
    }
    // The API path by model and tier adds up to the report's API path.
    let models: Value = serde_json::from_str(&api(&served.url, "/api/v1/models?month=2026-10")).unwrap();
    assert_eq!(decimal(models["total_usd"].as_str().unwrap()), decimal(report["paths"]["api"]["total_usd"].as_str().unwrap()));
    served.stop();
}

/// The rows of the table `id` in a page: column name to the cell's exact value (`data-value`) or
/// its text.
fn table(html: &str, id: &str) -> Vec<BTreeMap<String, String>> {
    let start = html.find(&format!(r#"<table id="{id}">"#)).unwrap_or_else(|| panic!("no table {id}"));
    let body = &html[start..start + html[start..].find("</table>").unwrap()];
    let text = |cell: &str| -> String {
        let mut out = String::new();
        let mut inside = false;
        for c in cell.chars() {
            match c {
                '<' => inside = true,
                '>' => inside = false,
                c if !inside => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
    };
    let (head, rows) = body.split_once("<tbody>").unwrap();
    let columns: Vec<String> = head.split("<th ").skip(1).map(|cell| text(&format!("<th {cell}"))).collect();
    rows.split("<tr>")
        .skip(1)
        .map(|row| {
            let cells = row.split("<td").skip(1).map(|cell| match cell.split_once(r#"data-value=""#) {
                Some((_, rest)) if rest.find('"') < rest.find('>') => rest.split('"').next().unwrap().to_string(),
                _ => text(&format!("<td{cell}")),
            });
            columns.iter().cloned().zip(cells).collect()
        })
        .collect()
}

/// The page at `target`, which must answer 200.
fn page(url: &str, target: &str) -> String {
    let (name, value) = bearer();
    let answer = get(url, target, &[(name, &value)]);
    assert_eq!(answer.status, 200, "{target}: {}", answer.body);
    answer.body
}

fn at(value: &Value, pointer: &str) -> Decimal {
    decimal(value.pointer(pointer).unwrap_or_else(|| panic!("no {pointer}")).as_str().unwrap_or_else(|| panic!("{pointer} is not text")))
}

/// To the cent, half away from zero (as invoices and the alerts round).
fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// The `data-value` of the element with `id` in a page.
fn figure(html: &str, id: &str) -> Decimal {
    let marker = format!(r#"id="{id}" data-value=""#);
    let rest = html.split(&marker).nth(1).unwrap_or_else(|| panic!("no figure {id}"));
    decimal(rest.split('"').next().unwrap())
}

#[test]
fn the_overviews_figures_are_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let served = Served::start(&data);
    let (name, value) = bearer();
    for (query, command) in [
        ("month=2026-10", vec!["report", "--month", "2026-10", "--json"]),
        ("month=2026-09", vec!["report", "--month", "2026-09", "--json"]),
        ("since=2026-10-03&until=2026-10-17&grain=week", vec!["report", "--since", "2026-10-03", "--until", "2026-10-17", "--json"]),
    ] {
        let report = cli_json(&data, &command);
        let page = get(&served.url, &format!("/?{query}"), &[(name, &value)]);
        assert_eq!(page.status, 200, "{}", page.body);
        let expected = |pointer: &str| decimal(report.pointer(pointer).unwrap().as_str().unwrap());
        assert_eq!(figure(&page.body, "total"), expected("/total_usd"), "{query}");
        assert_eq!(figure(&page.body, "path-claude_code"), expected("/paths/claude_code/total_usd"), "{query}");
        assert_eq!(figure(&page.body, "path-api"), expected("/paths/api/total_usd"), "{query}");
        assert_eq!(figure(&page.body, "path-unassigned"), expected("/paths/unassigned/total_usd"), "{query}");
        assert!(page.header("content-security-policy").is_some_and(|policy| policy.contains("default-src 'none'")));
        // The CSV export of the paths table carries the same exact amounts.
        let csv = get(&served.url, &format!("/csv/overview/paths?{query}"), &[(name, &value)]);
        assert_eq!(csv.status, 200);
        let rows: BTreeMap<String, String> = csv
            .body
            .lines()
            .skip(1)
            .map(|line| line.split(',').map(str::to_string).collect::<Vec<_>>())
            .map(|cells| (cells[0].clone(), cells[1].clone()))
            .collect();
        assert_eq!(decimal(&rows["api"]), expected("/paths/api/total_usd"), "{query}: {}", csv.body);
        assert_eq!(decimal(&rows["claude_code"]), expected("/paths/claude_code/total_usd"), "{query}");
    }
    // No [[budget]] in config.toml: said so, not shown as nothing.
    assert!(page(&served.url, "/?month=2026-10").contains("No budgets are configured"));
    served.stop();
}

#[test]
fn the_overview_shows_the_month_against_each_budget_and_the_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let report = cli_json(&data, &["report", "--month", "2026-10", "--json"]);
    let named = |list: &str, key: &str, name: &str| -> Decimal {
        let lines = report.pointer(list).unwrap().as_array().unwrap();
        decimal(lines.iter().find(|line| line[key] == json!(name)).unwrap()["total_usd"].as_str().unwrap())
    };
    // Budgets set against the report's own October figures: the payments team at 90% of its budget
    // (soft), support-bot past its budget (hard), the API path at a quarter of its (ok).
    let team = named("/paths/claude_code/teams", "team", "payments");
    let feature = named("/paths/api/features", "feature", "support-bot");
    let api_path = at(&report, "/paths/api/total_usd");
    let team_budget = (team / Decimal::new(9, 1)).round_dp(2);
    let feature_budget = (feature * Decimal::new(9, 1)).round_dp(2);
    let path_budget = (api_path * Decimal::from(4)).round_dp(0);
    let mut config = std::fs::read_to_string(data.join("config.toml")).unwrap();
    config.push_str(&format!(
        "[[budget]]\nteam = \"payments\"\nmonthly_usd = \"{team_budget}\"\n\n[[budget]]\nfeature = \"support-bot\"\nmonthly_usd = \"{feature_budget}\"\nhard_pct = 105\n\n\
         [[budget]]\npath = \"api\"\nmonthly_usd = {path_budget}\nsoft_pct = 70\n"
    ));
    std::fs::write(data.join("config.toml"), config).unwrap();
    // What `spendlens alerts check` raises for the month (no webhook: nothing is posted).
    let alerts = cli_json(&data, &["alerts", "check", "--json"]);
    assert_eq!(alerts["month"], json!("2026-10"));
    let raised: Vec<(String, String, Decimal, Decimal)> = alerts["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["event"]["kind"] == json!("budget"))
        .map(|event| {
            let budget = &event["event"]["budget"];
            (
                budget["scope"]["name"].as_str().unwrap().to_string(),
                budget["level"].as_str().unwrap().to_string(),
                at(budget, "/spent_usd"),
                at(budget, "/threshold_usd"),
            )
        })
        .collect();
    let served = Served::start(&data);
    let html = page(&served.url, "/?month=2026-10");
    let rows = table(&html, "budgets");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let forecast = cli_json(&data, &["forecast", "--start", "2026-10", "--horizon", "2", "--json"]);
    // (name, spent by the report, budget, soft %, hard %, status by hand)
    let expected = [
        ("payments", team, team_budget, 80, 100, "soft"),
        ("support-bot", feature, feature_budget, 80, 105, "hard"),
        ("api", api_path, path_budget, 70, 100, "ok"),
    ];
    let document: Value = serde_json::from_str(&api(&served.url, "/api/v1/budgets?month=2026-10")).unwrap();
    for ((name, spent, budget, soft, hard, status), (row, line)) in
        expected.into_iter().zip(rows.iter().zip(document["budgets"].as_array().unwrap()))
    {
        assert_eq!(row["name"], name);
        assert_eq!(decimal(&row["spent_usd"]), spent, "{name}: the month's spend is the report's");
        assert_eq!(decimal(&row["budget_usd"]), budget, "{name}");
        let share = (spent * Decimal::ONE_HUNDRED / budget).round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(decimal(&row["share_pct"]), share, "{name}");
        let soft_threshold = cents(budget * Decimal::from(soft) / Decimal::ONE_HUNDRED);
        let hard_threshold = cents(budget * Decimal::from(hard) / Decimal::ONE_HUNDRED);
        assert_eq!((decimal(&row["soft_threshold_usd"]), decimal(&row["hard_threshold_usd"])), (soft_threshold, hard_threshold), "{name}");
        assert_eq!(row["status"], status, "{name}");
        // The same figures in the REST document.
        assert_eq!((at(line, "/spent_usd"), line["status"].as_str().unwrap()), (spent, status), "{name}");
        // ... and `spendlens alerts check` raises exactly the levels reached, with the same spend to the cent.
        let levels: Vec<&str> = raised.iter().filter(|(scope, ..)| scope == name).map(|(_, level, ..)| level.as_str()).collect();
        let want: &[&str] = match status {
            "hard" => &["soft", "hard"],
            "soft" => &["soft"],
            _ => &[],
        };
        assert_eq!(levels, want, "{name}");
        for (_, level, alert_spent, threshold) in raised.iter().filter(|(scope, ..)| scope == name) {
            assert_eq!(*alert_spent, cents(spent), "{name}");
            assert_eq!(*threshold, if level == "soft" { soft_threshold } else { hard_threshold }, "{name} {level}");
        }
    }
    // The API path's budget beside its forecast for October.
    let api_p50 = at(&forecast, "/paths/api/months/0/p50_usd");
    assert_eq!(decimal(&rows[2]["forecast_p50_usd"]), api_p50);
    assert_eq!(rows[2]["forecast_status"], if api_p50 >= path_budget * Decimal::new(7, 1) { "soft" } else { "ok" });
    assert_eq!(rows[0]["forecast_p50_usd"], "", "no forecast per team");
    // The month and the next against `spendlens forecast --start 2026-10 --horizon 2`.
    let months = table(&html, "month-forecast");
    assert_eq!(months.len(), 6, "{months:?}");
    for (row, (month, path, pointer)) in months.iter().zip([
        ("2026-10", "claude_code", "/paths/claude_code/months/0"),
        ("2026-10", "api", "/paths/api/months/0"),
        ("2026-10", "both paths", "/total/months/0"),
        ("2026-11", "claude_code", "/paths/claude_code/months/1"),
        ("2026-11", "api", "/paths/api/months/1"),
        ("2026-11", "both paths", "/total/months/1"),
    ]) {
        assert_eq!((row["month"].as_str(), row["path"].as_str()), (month, path));
        for quantile in ["p10_usd", "p50_usd", "p90_usd"] {
            assert_eq!(decimal(&row[quantile]), at(&forecast, &format!("{pointer}/{quantile}")), "{month} {path} {quantile}");
        }
    }
    assert_eq!(decimal(&months[0]["spent_usd"]), at(&report, "/paths/claude_code/total_usd"));
    assert_eq!(decimal(&months[1]["spent_usd"]), api_path);
    assert_eq!(figure(&html, "month-spent"), at(&report, "/paths/claude_code/total_usd") + api_path);
    assert_eq!(figure(&html, "next-forecast-p50"), at(&forecast, "/total/months/1/p50_usd"));
    assert_eq!(figure(&html, "budgets-hard"), Decimal::ONE);
    served.stop();
}

#[test]
fn every_analysis_page_shows_its_commands_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let served = Served::start(&data);
    let url = served.url.as_str();

    // Forecast and commitment: the terms in the address are `spendlens commit`'s flags.
    let html = page(url, "/forecast?month=2026-10&discount=15&term=3&overage_rate=1.1");
    let forecast = cli_json(&data, &["forecast", "--json"]);
    assert_eq!(figure(&html, "forecast-first-p50"), at(&forecast, "/total/months/0/p50_usd"));
    let months = table(&html, "forecast-months");
    assert_eq!(months.len(), 9, "three months, two paths and the total");
    assert_eq!(decimal(&months[1]["p90_usd"]), at(&forecast, "/paths/api/months/0/p90_usd"));
    let commit = cli_json(&data, &["commit", "--discount", "15", "--term", "3", "--overage-rate", "1.1", "--json"]);
    assert_eq!(figure(&html, "commit-recommended"), at(&commit, "/recommended_commitment_usd"));
    assert_eq!(figure(&html, "commit-saving"), at(&commit, "/expected_saving_usd"));
    let paths = table(&html, "commit-paths");
    assert_eq!(paths.iter().map(|row| row["path"].as_str()).collect::<Vec<_>>(), ["api", "claude_code", "total"]);
    assert_eq!(decimal(&paths[0]["recommended_commitment_usd"]), at(&commit, "/paths/api/recommended_commitment_usd"));
    assert_eq!(decimal(&paths[1]["spend_p90_usd"]), at(&commit, "/paths/claude_code/spend_p90_usd"));
    assert_eq!(table(&html, "commit-sensitivity").len(), commit["sensitivity"].as_array().unwrap().len());
    let form = html.split(r#"<form class="terms""#).nth(1).unwrap().split("</form>").next().unwrap();
    for field in [r#"name="discount" value="15""#, r#"name="term" value="3""#, r#"name="overage_rate" value="1.1""#] {
        assert!(form.contains(field), "{field}: {form}");
    }
    assert!(form.contains(r#"<input type="hidden" name="month" value="2026-10">"#), "{form}");
    assert!(html.contains(r#"href="/api/v1/commit?term=3&amp;discount=15&amp;overage_rate=1.1""#), "the page names its REST answer");
    assert!(page(url, "/forecast?month=2026-10").contains("Give the discount offered"));

    // Spikes: each with its change, its factors summing to it, and its sentence.
    let html = page(url, "/spikes?since=2026-09-01&until=2026-10-31");
    let spikes = cli_json(&data, &["spikes", "--since", "2026-09-01", "--until", "2026-10-31", "--json"]);
    let listed = spikes["spikes"].as_array().unwrap();
    assert!(!listed.is_empty(), "the demo plants spikes");
    let rows = table(&html, "spikes");
    assert_eq!(rows.len(), listed.len());
    assert_eq!(figure(&html, "spikes-count"), Decimal::from(listed.len()));
    for (index, (row, spike)) in rows.iter().zip(listed).enumerate() {
        assert_eq!(decimal(&row["change_usd"]), at(spike, "/change_usd"));
        assert_eq!(row["summary"], spike["summary"].as_str().unwrap());
        let factors: Decimal = table(&html, &format!("spike-{}", index + 1)).iter().map(|factor| decimal(&factor["usd"])).sum();
        assert_eq!(factors, at(spike, "/change_usd"), "spike {index}'s factors");
    }

    // Claude Code: the seat review and the insights.
    let html = page(url, "/claude-code?month=2026-10");
    let seats = cli_json(&data, &["seats", "--month", "2026-10", "--json"]);
    assert_eq!(figure(&html, "seats-plan-monthly_usd_recommended"), at(&seats, "/plan/monthly_usd_recommended"));
    assert_eq!(figure(&html, "seats-plan-monthly_usd_now"), at(&seats, "/plan/monthly_usd_now"));
    let recommendations = table(&html, "seats-recommendations");
    assert_eq!(recommendations.len(), seats["recommendations"].as_array().unwrap().len());
    assert_eq!(decimal(&recommendations[0]["monthly_impact_usd"]), at(&seats, "/recommendations/0/monthly_impact_usd"));
    let insights = cli_json(&data, &["cc", "insights", "--month", "2026-10", "--json"]);
    let teams = table(&html, "insights-teams");
    assert_eq!(teams.len(), insights["teams"].as_array().unwrap().len());
    for (row, team) in teams.iter().zip(insights["teams"].as_array().unwrap()) {
        assert_eq!(
            (row["team"].as_str(), decimal(&row["usage_value_usd"])),
            (team["team"].as_str().unwrap(), at(team, "/usage_value_usd"))
        );
    }

    // Savings: the optimiser's plan and the savings the adopted routing realised.
    let html = page(url, "/savings?since=2026-09-01&until=2026-10-31");
    let optimise = cli_json(&data, &["optimise", "--since", "2026-09-01", "--until", "2026-10-31", "--json"]);
    assert_eq!(figure(&html, "plan-saving"), at(&optimise, "/plan/total_saving_usd"));
    let savings = cli_json(&data, &["savings", "--since", "2026-09-01", "--until", "2026-10-31", "--json"]);
    assert!(at(&savings, "/total_saved_usd") > Decimal::ZERO, "the demo's adopted routing saves: {savings}");
    assert_eq!(figure(&html, "savings-total"), at(&savings, "/total_saved_usd"));
    let months = table(&html, "savings");
    assert_eq!(months.len(), savings["months"].as_array().unwrap().len());
    assert_eq!(decimal(&months[0]["saved_usd"]), at(&savings, "/months/0/saved_usd"));

    // API: the levers are `spendlens optimise`'s opportunities.
    let html = page(url, "/api?month=2026-10");
    let optimise = cli_json(&data, &["optimise", "--month", "2026-10", "--json"]);
    let levers = table(&html, "levers");
    let opportunities = optimise["opportunities"].as_array().unwrap();
    assert!(!opportunities.is_empty());
    assert_eq!(levers.len(), opportunities.len());
    for (row, opportunity) in levers.iter().zip(opportunities) {
        assert_eq!(
            (row["feature"].as_str(), row["lever"].as_str()),
            (opportunity["feature"].as_str().unwrap(), opportunity["lever"].as_str().unwrap())
        );
        assert_eq!(decimal(&row["monthly_saving_usd"]), at(opportunity, "/monthly_saving_usd"));
    }
    served.stop();
}

#[test]
fn the_dashboard_needs_a_readers_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let served = Served::start(&data);
    let url = served.url.clone();
    for target in ["/", "/ledger?month=2026-10", "/api/v1/report?month=2026-10", "/csv/overview/paths", "/api/v1/openapi.json"] {
        assert_eq!(get(&url, target, &[]).status, 401, "{target} without a token");
        assert_eq!(get(&url, target, &[("Authorization", "Bearer finance-reader-token-8c1f02aX")]).status, 401, "{target}, wrong token");
        // A writer's token writes; it does not read every team's spend.
        assert_eq!(get(&url, target, &[("Authorization", &format!("Bearer {WRITER}"))]).status, 401, "{target}, writer's token");
        assert_eq!(get(&url, target, &[("Cookie", "spendlens_dashboard=nope-nope-nope-nope")]).status, 401, "{target}, bad cookie");
    }
    // ?token= signs the browser in: a redirect to the same address without it, and the cookie.
    let signed = get(&url, &format!("/ledger?month=2026-10&token={READER}&path=api"), &[]);
    assert_eq!(signed.status, 303);
    assert_eq!(signed.header("location"), Some("/ledger?month=2026-10&path=api"));
    let cookie = signed.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let session = cookie.split(';').next().unwrap();
    assert_eq!(get(&url, "/ledger?month=2026-10&path=api", &[("Cookie", session)]).status, 200);
    assert_eq!(get(&url, "/api/v1/report?month=2026-10", &[("Cookie", session)]).status, 200);
    assert_eq!(get(&url, &format!("/?token={READER}x"), &[]).status, 401, "a wrong ?token= is refused");
    // The API takes its token in a header, never in the address.
    assert_eq!(get(&url, &format!("/api/v1/report?token={READER}"), &[]).status, 400);
    // The writers' routes still take their own tokens only.
    assert_eq!(crate::support::post_logs(&url, READER, "{}").unwrap(), 401);
    assert!(!served.log().contains(READER), "the configured token is never printed");
    served.stop();
}

#[test]
fn serve_beyond_loopback_needs_a_dashboard_token_and_loopback_prints_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    configure(&data, false);
    // Refused before anything is bound.
    let output = spendlens(&data, &["serve", "--listen", "0.0.0.0:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refuses to listen on 0.0.0.0:0 without a dashboard token") && stderr.contains("[serve.dashboard_tokens]"),
        "{stderr}"
    );
    // A short dashboard token is refused by name.
    std::fs::write(
        data.join("config.toml"),
        format!("[serve.tokens]\n\"ana@acme.example\" = \"{WRITER}\"\n[serve.dashboard_tokens]\nfinance = \"short\"\n"),
    )
    .unwrap();
    let output = spendlens(&data, &["serve", "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("dashboard token of finance is shorter than 16"), "{stderr}");

    // On loopback with none configured: a token made up for the run, printed once in the link.
    configure(&data, false);
    let served = Served::start(&data);
    // The link follows the "listening" line the start waits for: give it a moment to arrive.
    let asked = std::time::Instant::now();
    while !served.log().contains("dashboard: ") && asked.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let log = served.log();
    let link = log.lines().find_map(|line| line.trim().strip_prefix("dashboard: ")).unwrap_or_else(|| panic!("no dashboard link: {log}"));
    let token = link.split("?token=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(token.len(), 48, "{link}");
    assert_eq!(get(&served.url, "/api/v1/openapi.json", &[]).status, 401);
    assert_eq!(get(&served.url, "/api/v1/openapi.json", &[("Authorization", &format!("Bearer {token}"))]).status, 200);
    served.stop();
}

// Headless Chromium over the DevTools protocol on a pipe.

/// Chromium from `$CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("CHROMIUM").map(PathBuf::from).into_iter().collect();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")]);
    candidates.into_iter().chain(on_path).find(|candidate| candidate.is_file()).unwrap_or_else(|| {
        panic!("headless Chromium is required for the dashboard's browser test (set CHROMIUM, or `apt-get install -y chromium`; .ci/run installs it)")
    })
}

/// A headless Chromium and one page of it, spoken to over `--remote-debugging-pipe` (file
/// descriptors 3 and 4, messages of JSON ended by a NUL byte).
struct Browser {
    _process: Reaped,
    to: std::process::ChildStdin,
    from: mpsc::Receiver<Value>,
    next: u64,
    session: String,
    /// Events seen so far (console messages, exceptions, loads).
    events: Vec<Value>,
}

impl Browser {
    fn start(profile: &Path) -> Browser {
        // bash hands the pipes to Chromium as descriptors 3 (commands in) and 4 (answers out).
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(chromium())
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--remote-debugging-pipe"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut process = Reaped::spawn(&mut command);
        let to = process.0.stdin.take().unwrap();
        let out = process.0.stdout.take().unwrap();
        let (sender, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        message.pop();
                        if let Ok(value) = serde_json::from_slice::<Value>(&message)
                            && sender.send(value).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let mut browser = Browser { _process: process, to, from, next: 0, session: String::new(), events: Vec::new() };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call("Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({}));
        }
        browser.call("Emulation.setDeviceMetricsOverride", json!({"width": 1400, "height": 1600, "deviceScaleFactor": 1, "mobile": false}));
        browser
    }

    /// Sends a command (to the page's session once there is one) and waits for its answer.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        self.to.flush().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("Chromium did not answer {method}"));
            let message = self.from.recv_timeout(left).unwrap_or_else(|_| panic!("Chromium did not answer {method}"));
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    /// Waits for the page's load event (counting events already seen after `since`).
    fn wait_for_load(&mut self, since: usize) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.events[since..].iter().any(|event| event["method"] == "Page.loadEventFired") {
            let left = deadline.checked_duration_since(Instant::now()).expect("the page loads within two minutes");
            let event = self.from.recv_timeout(left).expect("the page loads within two minutes");
            self.events.push(event);
        }
    }

    fn navigate(&mut self, url: &str) {
        let since = self.events.len();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for_load(since);
    }

    /// Runs `expression` in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    /// Runs `action` (which leaves the page) and waits for the next page to load.
    fn leave_by(&mut self, action: &str) {
        let since = self.events.len();
        self.eval(action);
        self.wait_for_load(since);
    }

    /// Console errors, uncaught exceptions and logged errors (a blocked resource, a CSP refusal).
    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|event| {
                let method = event["method"].as_str().unwrap_or("");
                (method == "Runtime.consoleAPICalled" && event["params"]["type"] == "error")
                    || method == "Runtime.exceptionThrown"
                    || (method == "Log.entryAdded" && event["params"]["entry"]["level"] == "error")
            })
            .map(Value::to_string)
            .collect()
    }

    /// A PNG of the whole page, written to `path`; returns (width, height, RGB pixels).
    fn screenshot(&mut self, path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}));
        let bytes = base64(shot["data"].as_str().unwrap());
        std::fs::write(path, &bytes).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buffer).unwrap();
        let channels = frame.color_type.samples();
        let pixels = buffer[..frame.buffer_size()].chunks(channels).map(|pixel| [pixel[0], pixel[1], pixel[2]]).collect();
        (frame.width as usize, frame.height as usize, pixels)
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |byte: u8| -> u32 {
        match byte {
            b'A'..=b'Z' => u32::from(byte - b'A'),
            b'a'..=b'z' => u32::from(byte - b'a') + 26,
            b'0'..=b'9' => u32::from(byte - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {byte}"),
        }
    };
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk.iter().copied().filter(|byte| *byte != b'=').collect();
        let mut bits = 0u32;
        for (index, digit) in digits.iter().enumerate() {
            bits |= value(*digit) << (18 - 6 * index);
        }
        out.extend(bits.to_be_bytes()[1..digits.len()].iter());
    }
    out
}

/// Pixels within 6 of each path's colour.
fn path_pixels(pixels: &[[u8; 3]]) -> [usize; 3] {
    let mut counts = [0; 3];
    for pixel in pixels {
        for (count, colour) in counts.iter_mut().zip(PATH_RGB) {
            if pixel.iter().zip(colour).all(|(got, want)| got.abs_diff(want) <= 6) {
                *count += 1;
            }
        }
    }
    counts
}

fn variance(pixels: &[[u8; 3]]) -> f64 {
    let brightness: Vec<f64> = pixels.iter().map(|pixel| pixel.iter().map(|channel| f64::from(*channel)).sum::<f64>() / 3.0).collect();
    let mean = brightness.iter().sum::<f64>() / brightness.len() as f64;
    brightness.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / brightness.len() as f64
}

#[test]
fn every_page_works_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let served = Served::start(&data);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut browser = Browser::start(&dir.path().join("profile"));
    // Signing in: ?token= becomes the cookie and leaves the address.
    browser.navigate(&format!("{}/?month=2026-10&token={READER}", served.url));
    assert_eq!(browser.eval("location.search"), json!("?month=2026-10"));

    let pages = ["/", "/claude-code", "/api", "/savings", "/forecast", "/spikes", "/reconciliation", "/ledger"];
    for page in pages {
        let before = browser.errors().len();
        browser.navigate(&format!("{}{page}?month=2026-10", served.url));
        assert_eq!(browser.eval("document.querySelector('h1') !== null && document.title.endsWith('spendlens')"), json!(true), "{page}");
        let errors = browser.errors();
        assert_eq!(errors.len(), before, "{page} logged errors: {:?}", &errors[before..]);
        let name = if page == "/" { "overview".to_string() } else { page.trim_start_matches('/').to_string() };
        let (width, height, pixels) = browser.screenshot(&shots.join(format!("{name}.png")));
        assert!(width >= 1400 && height >= 600, "{page}: {width}x{height}");
        assert!(variance(&pixels) > 100.0, "{page}: the screenshot looks blank");
        let charts = browser.eval("document.querySelectorAll('svg.chart').length").as_u64().unwrap();
        if ["/", "/claude-code", "/api"].contains(&page) {
            assert!(charts >= 1, "{page} has no chart");
            let [claude_code, api, unassigned] = path_pixels(&pixels);
            assert!(claude_code + api + unassigned > 3_000, "{page}: its charts look empty ({claude_code}, {api}, {unassigned})");
            let expected = match page {
                "/claude-code" => claude_code,
                "/api" => api,
                _ => claude_code.min(api),
            };
            assert!(expected > 500, "{page}: the path's colour is missing from its chart ({claude_code}, {api}, {unassigned})");
        }
        if ["/forecast", "/spikes"].contains(&page) {
            let shown = browser.eval("document.querySelectorAll('.pending, table, .figures').length").as_u64().unwrap();
            assert!(shown >= 1, "{page} shows nothing and does not say why");
        }
    }

    // A filter changes the address and the numbers: October, then September through the form.
    browser.navigate(&format!("{}/?month=2026-10", served.url));
    let october = browser.eval("document.getElementById('total').dataset.value");
    browser.leave_by(
        "document.querySelector('input[name=month]').value = '2026-09'; document.querySelector('form.filters').requestSubmit(); true",
    );
    let address = browser.eval("location.href").as_str().unwrap().to_string();
    assert!(address.contains("month=2026-09"), "{address}");
    let september = browser.eval("document.getElementById('total').dataset.value");
    let report = cli_json(&data, &["report", "--month", "2026-09", "--json"]);
    assert_eq!(decimal(september.as_str().unwrap()), decimal(report["total_usd"].as_str().unwrap()));
    assert_ne!(september, october);
    // The trend by week: five buckets in October.
    browser.navigate(&format!("{}/?month=2026-10&grain=week", served.url));
    assert_eq!(browser.eval("document.querySelectorAll('#trend tbody tr').length"), json!(5));

    // Drill-down from a feature to its ledger lines.
    let report = cli_json(&data, &["report", "--month", "2026-10", "--json"]);
    browser.navigate(&format!("{}/api?month=2026-10", served.url));
    let feature = browser.eval("document.querySelector('#features tbody tr td a').textContent").as_str().unwrap().to_string();
    browser.leave_by("document.querySelector('#features tbody tr td a').click(); true");
    assert!(browser.eval("location.pathname") == json!("/ledger"), "{}", browser.eval("location.href"));
    let drivers = browser.eval(
        "Array.from(document.querySelectorAll('#placements tbody tr')).map(row => [row.cells[0].textContent, row.cells[2].textContent])",
    );
    let drivers = drivers.as_array().unwrap();
    assert!(!drivers.is_empty(), "no ledger lines for {feature}");
    let feature_total =
        report["paths"]["api"]["features"].as_array().unwrap().iter().find(|line| line["feature"] == json!(feature)).unwrap()["total_usd"]
            .clone();
    let exact: Decimal = browser
        .eval("Array.from(document.querySelectorAll('#placements tbody tr')).map(row => [row.cells[2].textContent, row.cells[8].dataset.value])")
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row[0] == json!(feature))
        .map(|row| decimal(row[1].as_str().unwrap()))
        .sum();
    assert_eq!(exact, decimal(feature_total.as_str().unwrap()), "the ledger lines of {feature} add up to its total in the report");
    assert!(
        drivers.iter().all(|row| row[0] == json!("api") && row[1].as_str().unwrap().to_lowercase().contains(&feature.to_lowercase())),
        "{drivers:?}"
    );

    // ... and from a team.
    browser.navigate(&format!("{}/claude-code?month=2026-10", served.url));
    let team = browser.eval("document.querySelector('#teams tbody tr td a').textContent").as_str().unwrap().to_string();
    browser.leave_by("document.querySelector('#teams tbody tr td a').click(); true");
    let teams = browser.eval("Array.from(document.querySelectorAll('#placements tbody tr')).filter(row => row.cells[1].textContent === 'engineer').map(row => row.cells[3].textContent)");
    let teams = teams.as_array().unwrap();
    assert!(!teams.is_empty() && teams.iter().all(|value| value == &json!(team)), "{team}: {teams:?}");
    let team_total =
        report["paths"]["claude_code"]["teams"].as_array().unwrap().iter().find(|line| line["team"] == json!(team)).unwrap()["total_usd"]
            .clone();
    let engineers_total = browser
        .eval("Array.from(document.querySelectorAll('#placements tbody tr')).filter(row => row.cells[1].textContent === 'engineer').map(row => row.cells[8].dataset.value)")
        .as_array()
        .unwrap()
        .iter()
        .map(|value| decimal(value.as_str().unwrap()))
        .sum::<Decimal>();
    assert_eq!(engineers_total, decimal(team_total.as_str().unwrap()), "{team}");

    // The commitment's terms through the form on the Forecast page: the address and the numbers change.
    browser.navigate(&format!("{}/forecast?month=2026-10", served.url));
    assert_eq!(browser.eval("document.getElementById('commit-recommended') === null"), json!(true), "no terms, no commitment");
    browser.leave_by(
        "const form = document.getElementById('commit-terms'); form.elements.discount.value = '15'; form.elements.term.value = '3'; \
         form.requestSubmit(); true",
    );
    let address = browser.eval("location.search").as_str().unwrap().to_string();
    assert!(address.contains("month=2026-10") && address.contains("discount=15") && address.contains("term=3"), "{address}");
    let commit = cli_json(&data, &["commit", "--discount", "15", "--term", "3", "--json"]);
    let shown = browser.eval("document.getElementById('commit-recommended').dataset.value");
    assert_eq!(decimal(shown.as_str().unwrap()), decimal(commit["recommended_commitment_usd"].as_str().unwrap()));
    assert!(browser.errors().is_empty(), "{:?}", browser.errors());

    // Keyboard: the first Tab reaches the skip link, and every page has an access key.
    browser.navigate(&format!("{}/?month=2026-10", served.url));
    for kind in ["keyDown", "keyUp"] {
        browser.call("Input.dispatchKeyEvent", json!({"type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}));
    }
    assert_eq!(browser.eval("document.activeElement.className"), json!("skip"));
    assert_eq!(browser.eval("document.querySelectorAll('nav a[accesskey]').length"), json!(8));

    // Dark scheme: the page's background turns dark, the paths keep their colours.
    browser.call("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}));
    browser.navigate(&format!("{}/?month=2026-10", served.url));
    let (_, _, pixels) = browser.screenshot(&shots.join("overview-dark.png"));
    let background = pixels[pixels.len() - 1];
    assert!(background.iter().all(|channel| *channel < 60), "dark background expected, got {background:?}");
    let [claude_code, api, _] = path_pixels(&pixels);
    assert!(claude_code > 500 && api > 500, "the paths' colours in the dark scheme: {claude_code}, {api}");
    assert!(browser.errors().is_empty(), "{:?}", browser.errors());
    served.stop();
}
