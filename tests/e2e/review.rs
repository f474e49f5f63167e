//! The review page (`report.html`) rendered in a real browser: the demo's
//! page, headless Chromium, a screenshot that is not blank, totals in the
//! page's text equal to the summary's, no horizontal overflow of the page
//! at 400 and 1400 px, the Held section's rows, and the register's sort
//! and filter run by the page's own script.
//!
//! Without Chromium the test says so and passes, unless
//! `PAYRUN_REQUIRE_BROWSER` is set (CI installs Chromium and sets it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use crate::helpers::{csv, ok, payrun, texts};

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PAYRUN_CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `args`; its standard output.
fn headless(browser: &Path, profile: &Path, page: &Path, args: &[String]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of the element with `id` in `dom`.
fn by_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in the page"))
        + id.len()
        + 6;
    &dom[start..start + dom[start..].find('<').unwrap()]
}

/// The sum of a decimal column of a CSV file.
fn sum(path: &Path, column: &str) -> Decimal {
    texts(&csv(path), column)
        .iter()
        .map(|v| v.parse::<Decimal>().unwrap())
        .sum()
}

fn grouped(d: Decimal) -> String {
    payrun::review::grouped((d * Decimal::ONE_HUNDRED).trunc().mantissa())
}

#[test]
fn the_demo_review_page_renders_in_chromium_with_the_summary_totals() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("PAYRUN_REQUIRE_BROWSER").is_none(),
            "PAYRUN_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!(
            "SKIPPED: no Chromium on PATH (install the chromium package) to render report.html"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let stdout = ok(payrun(&["demo", "--out"], None).arg(&out).output().unwrap());
    let page = out.join("report.html");
    assert!(
        stdout.trim_end().ends_with(&format!(
            "Review the period before paying it: {}",
            page.display()
        )),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch; one inline script.
    for remote in payrun::review::NOTHING_REMOTE {
        assert!(!html.contains(remote), "report.html contains {remote:?}");
    }
    assert_eq!(html.matches("<script>").count(), 1);

    let png = dir.path().join("page.png");
    headless(
        &browser,
        &dir.path().join("profile-shot"),
        &page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,1600".into(),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1400, 1600));
    let channels = info.line_size / info.width as usize;
    let colored = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p[..3].iter().any(|c| *c < 200))
        .count();
    // Text, tables and the bars of the charts: far from blank.
    let share = colored as f64 / f64::from(info.width * info.height);
    assert!(
        share > 0.02,
        "only {:.2}% of the page is drawn",
        share * 100.0
    );
    let blue = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p[2] > 150 && p[0] < 90)
        .count();
    assert!(
        blue > 1000,
        "the charts' bars are drawn ({blue} blue pixels)"
    );

    // The totals the browser shows are the summary's.
    let dom = headless(
        &browser,
        &dir.path().join("profile-dom"),
        &page,
        &["--dump-dom".into()],
    );
    let summary = out.join("payroll_summary.csv");
    assert_eq!(
        by_id(&dom, "gross-pay"),
        format!("${}", grouped(sum(&summary, "gross_pay")))
    );
    assert_eq!(
        by_id(&dom, "regular-hours"),
        grouped(sum(&summary, "regular_hours"))
    );
    assert_eq!(
        by_id(&dom, "overtime-hours"),
        grouped(sum(&summary, "overtime_hours"))
    );
    assert_eq!(
        by_id(&dom, "overtime-cost"),
        format!(
            "${}",
            grouped(sum(&summary, "overtime_pay") + sum(&summary, "double_time_pay"))
        )
    );
    assert_eq!(
        by_id(&dom, "unapproved-hours"),
        grouped(sum(&summary, "unapproved_hours"))
    );
    assert_eq!(by_id(&dom, "people"), csv(&summary).height().to_string());
    assert!(
        dom.contains("unapproved_time_card"),
        "exceptions are grouped by kind"
    );

    // The page at a phone's width and a desktop's, in a frame of that
    // width (headless Chromium's window is at least 500 px wide), with the
    // test's own script run once it has loaded: it measures, clicks and
    // types, and writes what it saw as JSON beside the frame.
    let frame = |width: u32| {
        let probe = dir.path().join(format!("probe-{width}.html"));
        std::fs::write(
            &probe,
            format!(
                "<!DOCTYPE html><html><body style=\"margin:0\"><script>{PROBE}</script>\
                 <iframe src=\"{}\" onload=\"probe(this)\" style=\"width:{width}px;height:900px;border:0\">\
                 </iframe></body></html>",
                page.display()
            ),
        )
        .unwrap();
        probe
    };
    let exceptions = csv(&out.join("exceptions.csv"));
    let kept_out = texts(&exceptions, "severity")
        .iter()
        .zip(texts(&exceptions, "in_date_time"))
        .filter(|(severity, card)| *severity == "error" && !card.is_empty())
        .count();
    assert!(kept_out > 0, "the demo has open punches");
    let mut gross: Vec<Decimal> = texts(&csv(&summary), "gross_pay")
        .iter()
        .map(|g| g.parse().unwrap())
        .collect();
    gross.sort();
    // The register's text a filter searches, row by row.
    let register_text = crate::helpers::rows(
        &csv(&summary),
        &[
            "user_full_name",
            "user_name",
            "employee_number",
            "department_name",
        ],
    );
    for width in [400, 1400] {
        let dom = headless(
            &browser,
            &dir.path().join(format!("profile-{width}")),
            &frame(width),
            &[
                "--window-size=1600,900".into(),
                "--allow-file-access-from-files".into(),
                "--dump-dom".into(),
            ],
        );
        let marker = "<pre id=\"probe\">";
        let json = &dom[dom.find(marker).expect("the probe ran") + marker.len()..];
        let json = &json[..json.find("</pre>").unwrap()];
        let seen: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(seen["inner"], width, "{seen}");
        assert!(
            seen["scroll"].as_u64() <= seen["inner"].as_u64(),
            "the page overflows at {width} px: {seen}"
        );
        assert_eq!(seen["held_rows"], kept_out, "{seen}");
        let column = |key: &str| -> Vec<Decimal> {
            seen[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g.as_str().unwrap().replace(['$', ','], "").parse().unwrap())
                .collect()
        };
        assert_eq!(column("ascending"), gross, "sorted by gross, least first");
        let mut descending = gross.clone();
        descending.reverse();
        assert_eq!(column("descending"), descending, "then most first");
        let typed = seen["typed"].as_str().unwrap().to_lowercase();
        let with_it = register_text
            .iter()
            .filter(|row| row.to_lowercase().contains(&typed))
            .count();
        assert!(with_it >= 1);
        assert_eq!(seen["filtered"], with_it, "filtered by {typed}: {seen}");
    }
}

/// Run on the page in its frame once loaded: the page's width against
/// the frame's, the Held section's card rows, the register's gross column
/// after one click on its title and after a second, and the rows left by
/// typing a user name into the filter.
const PROBE: &str = r#"function probe(frame){
var w=frame.contentWindow,d=frame.contentDocument;
var out={inner:w.innerWidth,scroll:d.documentElement.scrollWidth};
out.held_rows=d.querySelectorAll('#kept-out-cards tbody tr').length;
var titles=d.querySelectorAll('#register thead th');var gross;
for(var i=0;i<titles.length;i++){if(titles[i].textContent.indexOf('Gross pay')===0)gross=titles[i];}
var rows=function(){return Array.prototype.slice.call(d.querySelectorAll('#register tbody tr'));};
var column=function(){return rows().map(function(r){return r.cells[gross.cellIndex].textContent;});};
gross.click();out.ascending=column();gross.click();out.descending=column();
var names=rows().map(function(r){return r.cells[1].textContent;}).sort();
var f=d.getElementById('register-filter');out.typed=names[Math.floor(names.length/2)];f.value=out.typed;
f.dispatchEvent(new w.Event('input'));
out.filtered=rows().filter(function(r){return !r.hidden;}).length;
var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
}"#;
