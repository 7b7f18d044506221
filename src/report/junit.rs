//! JUnit XML for CI test reporters: one testcase per benchmark, failures and errors with the
//! reason. quick-junit (from the nextest project) does the XML and its escaping.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

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
                *message = benchmark.reason.map(Into::into);
            }
            status
        }
    };
    let mut case = TestCase::new(benchmark.name, status);
    case.set_classname("memgate");
    case.set_time(std::time::Duration::from_secs_f64(
        benchmark
            .runs
            .iter()
            .map(|r| r.duration_secs)
            .sum::<f64>()
            .max(0.0),
    ));
    let mut out = format!(
        "peak {} steady {} ({})",
        format_size(benchmark.figures.peak_bytes),
        format_size(benchmark.figures.steady_bytes),
        benchmark.status.as_str()
    );
    if let Some(reason) = benchmark.reason {
        out.push_str(&format!(": {reason}"));
    }
    case.set_system_out(out);
    case
}
