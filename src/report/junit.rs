//! JUnit XML for CI test reporters: one testcase per benchmark, failures and errors with the
//! reason. quick-junit (from the nextest project) does the XML and its escaping.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::report::escape::xml_chars;
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{Results, Status};
use crate::units::format_size;

pub fn render(results: &Results) -> String {
    let mut suite = TestSuite::new("memgate");
    for benchmark in &SuiteView::new(results).benchmarks {
        suite.add_test_case(test_case(benchmark));
    }
    let mut report = Report::new("memgate");
    report.add_test_suite(suite);
    report.to_string().expect("JUnit XML serializes")
}

fn test_case(benchmark: &BenchmarkView) -> TestCase {
    let status = match benchmark.status {
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Fail | Status::Error => {
            let kind = if benchmark.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            if let TestCaseStatus::NonSuccess { message, .. } = &mut status {
                *message = benchmark.reason.map(|reason| xml_chars(reason).into());
            }
            status
        }
    };
    let mut case = TestCase::new(xml_chars(benchmark.name), status);
    case.set_classname("memgate");
    let secs = benchmark.runs.iter().map(|r| r.duration_secs).sum::<f64>();
    // A results file can hold any duration; one that no `Duration` holds leaves the time out.
    if let Ok(time) = Duration::try_from_secs_f64(secs.max(0.0)) {
        case.set_time(time);
    }
    let mut out = format!(
        "peak {} steady {} ({})",
        format_size(benchmark.figures.peak_bytes),
        format_size(benchmark.figures.steady_bytes),
        benchmark.status.as_str()
    );
    if let Some(reason) = benchmark.reason {
        out.push_str(&format!(": {reason}"));
    }
    case.set_system_out(xml_chars(&out));
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{benchmark, results, run};
    use serde_json::json;

    fn parsed_names(xml: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(xml).expect("the JUnit XML parses");
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn a_duration_no_duration_holds_leaves_the_time_out() {
        let mut long = run(&[(1.0, 10)]);
        long["duration_secs"] = json!(1e308);
        let b = benchmark("slow", vec![long.clone(), long], json!({}));
        let xml = render(&results(vec![b]));
        assert_eq!(parsed_names(&xml), ["slow"]);
        assert!(!xml.contains("time=\"inf"), "{xml}");
    }

    #[test]
    fn a_failure_message_names_every_failed_check() {
        use crate::gate::compare::rejudge;
        use crate::results::{BaselineFigures, Comparison};
        // 405 MiB over a 300 MiB budget, and +118% against a base of 186 MiB.
        let mut b = benchmark(
            "train",
            vec![run(&[(0.0, 10), (1.0, 405), (2.0, 400)])],
            json!({"budget": {"peak_bytes": 300u64 << 20, "warn_at": 0.9}}),
        );
        let base = BaselineFigures {
            peak_bytes: 186 << 20,
            steady_bytes: 150 << 20,
            ..BaselineFigures::default()
        };
        rejudge(
            &mut b,
            Some(Comparison::Compared),
            Some(base),
            &Default::default(),
        );
        let xml = render(&results(vec![b]));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        let message = failure.attribute("message").unwrap_or_default();
        assert!(
            message.starts_with("peak 405.0 MiB vs base 186.0 MiB (+118%, limit +10%)")
                && message.contains("; peak 405.0 MiB exceeds budget 300.0 MiB"),
            "{xml}"
        );
    }

    #[test]
    fn noncharacters_in_names_and_reasons_still_make_xml() {
        let b = benchmark(
            "a\u{FFFF}b\u{FFFE}",
            vec![run(&[(1.0, 10)])],
            json!({"status": "error", "reason": "no \u{FFFF} here"}),
        );
        let xml = render(&results(vec![b]));
        assert_eq!(parsed_names(&xml), ["a\u{FFFD}b\u{FFFD}"]);
        assert!(xml.contains("no \u{FFFD} here"), "{xml}");
    }
}
