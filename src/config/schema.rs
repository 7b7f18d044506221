//! The JSON Schema (draft-07) of `memgate.yml`, for `memgate schema` and editors.
//!
//! Written by hand so that it carries descriptions and the unit patterns; a test keeps its keys in
//! step with the ones the loader knows. The loader checks more than the schema can say (unique
//! names, `warn_at` within (0, 100%], durations within their limits): `memgate validate` is the last word.

use serde_json::{Map, Value, json};

use super::model::{RUNS_LIMITS, WARMUP_LIMITS};

/// Case-insensitive size units: B, KiB…TiB, KB…TB.
const SIZE_UNIT: &str = r"([kKmMgGtT][iI]?)?[bB]";
/// A non-negative decimal number.
const NUMBER: &str = r"(\d+(\.\d*)?|\.\d+)";
/// Zero, which needs no unit.
const ZERO: &str = r"0+(\.0*)?";

fn size_pattern() -> String {
    format!(r"^\s*({ZERO}|{NUMBER}\s*{SIZE_UNIT})\s*$")
}

fn duration_pattern() -> String {
    format!(r"^\s*({ZERO}|({NUMBER}\s*([mM][sS]|[sS]|[mM]([iI][nN])?|[hH])\s*)+)$")
}

fn rate_pattern() -> String {
    format!(r"^\s*({ZERO}|{NUMBER}\s*{SIZE_UNIT}\s*/\s*([sS]|[mM][iI][nN]))\s*$")
}

fn percent_pattern() -> String {
    format!(r"^\s*{NUMBER}\s*%\s*$")
}

/// A mapping that may be left empty and takes no other keys than `properties`.
fn closed_section(description: &str, properties: Value) -> Value {
    json!({
        "description": description,
        "type": ["object", "null"],
        "additionalProperties": false,
        "properties": properties
    })
}

/// The JSON Schema of `memgate.yml`.
pub fn json_schema() -> Value {
    let settings = settings_properties();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "memgate.yml",
        "description": "Benchmarks for memgate, a memory-budget gate for CI: the commands to measure and the memory they may use.",
        "type": "object",
        "additionalProperties": false,
        "required": ["benchmarks"],
        "properties": {
            "version": {
                "description": "Version of this file's format. Only 1 exists; 1 when left out.",
                "enum": [1]
            },
            "defaults": closed_section(
                "Settings for every benchmark; a benchmark's own value wins, key by key (`budget`, `regression` and `env` field by field).",
                Value::Object(settings.clone()),
            ),
            "setup": {
                "description": "Shell commands run once, in order, before any benchmark, from the config file's folder; a failure stops the run.",
                "type": ["array", "null"],
                "items": { "type": "string", "minLength": 1 }
            },
            "cgroup": {
                "description": "A cgroup prepared for memgate (absolute: under the cgroup mount, or relative to it); memgate makes a cgroup per run there. MEMGATE_CGROUP wins over it.",
                "type": "string",
                "pattern": "^/"
            },
            "benchmarks": {
                "description": "The commands to measure.",
                "type": "array",
                "minItems": 1,
                "items": { "$ref": "#/definitions/benchmark" }
            },
            "github": github_section()
        },
        "definitions": definitions(settings)
    })
}

/// `github:`.
fn github_section() -> Value {
    closed_section(
        "How memgate reports on GitHub pull requests.",
        json!({
            "comment": {
                "description": "When to post or update the pull-request comment. Default: always (one comment, edited in place).",
                "enum": ["always", "on-change", "on-failure", "never"],
                "default": "always"
            },
            "comment_author": {
                "description": "Login of the account whose comment memgate updates (e.g. `github-actions[bot]`); default: the token's account.",
                "type": "string",
                "minLength": 1
            }
        }),
    )
}

/// A benchmark (its own keys and the shared `settings`) and the units.
fn definitions(settings: Map<String, Value>) -> Value {
    let mut benchmark_properties = object(json!({
        "name": {
            "type": "string",
            "minLength": 1,
            "description": "Unique name of the benchmark; `memgate check NAME` runs only this one."
        },
        "run": {
            "type": "string",
            "minLength": 1,
            "description": "The command to measure, run through `sh -c`. Give either `run` or `argv`."
        },
        "argv": {
            "type": "array",
            "items": { "type": "string" },
            "minItems": 1,
            "description": "The program to measure and its arguments, run without a shell. Give either `run` or `argv`."
        }
    }));
    benchmark_properties.extend(settings);
    let mut definitions = object(json!({
        "benchmark": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "oneOf": [
                { "required": ["run"] },
                { "required": ["argv"] }
            ],
            "properties": Value::Object(benchmark_properties)
        }
    }));
    definitions.extend(unit_definitions());
    Value::Object(definitions)
}

/// Sizes, durations, rates and percentages.
fn unit_definitions() -> Map<String, Value> {
    object(json!({
        "size": {
            "description": "A size: a number and a unit, B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000), case-insensitive; decimals allowed (`1.5GiB`); 0 needs no unit.",
            "anyOf": [
                { "type": "string", "pattern": size_pattern() },
                { "const": 0 }
            ],
            "examples": ["400MiB", "1.5GiB", "512KB"]
        },
        "duration": {
            "description": "A duration: a number and a unit, ms, s, m or h (`10ms`, `1.5s`, `2m 30s`).",
            "type": "string",
            "pattern": duration_pattern(),
            "examples": ["10ms", "30s", "10m"]
        },
        "rate": {
            "description": "A rate: a size per s or min (`2MiB/s`, `60MiB/min`); 0 needs no unit.",
            "anyOf": [
                { "type": "string", "pattern": rate_pattern() },
                { "const": 0 }
            ],
            "examples": ["2MiB/s", "60MiB/min"]
        },
        "percent": {
            "description": "A percentage (`10%`).",
            "type": "string",
            "pattern": percent_pattern(),
            "examples": ["10%", "2.5%"]
        }
    }))
}

/// The keys a benchmark and `defaults` share.
fn settings_properties() -> Map<String, Value> {
    let mut settings = object(json!({
        "cwd": {
            "description": "Working folder, relative to the config file's folder (the default).",
            "type": "string",
            "minLength": 1
        },
        "env": {
            "description": "Environment variables added to memgate's own; values are strings (quote numbers).",
            "type": ["object", "null"],
            "additionalProperties": { "type": "string" }
        },
        "timeout": {
            "description": "How long one run may take before it is killed and fails; above zero, at most 168h. Default: 10m.",
            "$ref": "#/definitions/duration"
        },
        "runs": {
            "description": "Measured runs; the peak is the largest of them, steady and growth the median. From 1 to 100. Default: 3.",
            "type": "integer",
            "minimum": RUNS_LIMITS.min,
            "maximum": RUNS_LIMITS.max
        },
        "warmup": {
            "description": "Unmeasured runs before the measured ones. From 0 to 100. Default: 0.",
            "type": "integer",
            "minimum": WARMUP_LIMITS.min,
            "maximum": WARMUP_LIMITS.max
        },
        "interval": {
            "description": "Sampling period, between 1ms and 1s. Default: 10ms.",
            "$ref": "#/definitions/duration"
        },
        "steady_after": {
            "description": "Where the steady window starts: a share of the run below 90% (20%) or a time from its start (2s). Steady state and growth are read after it. Default: 20%.",
            "anyOf": [
                { "$ref": "#/definitions/duration" },
                { "$ref": "#/definitions/percent" }
            ]
        },
        "min_window": {
            "description": "The shortest steady window whose growth is judged, between 1s and 24h; growth over a shorter one is reported as too short to judge and never fails. Default: 5s.",
            "$ref": "#/definitions/duration"
        },
        "attribution": {
            "description": "When the benchmark is re-run once under memray, after its measured runs, for the lines that held the memory at its peak (Python benchmarks; docs/attribution.md): on-failure (when a budget or regression check failed), always, or never. Default: on-failure.",
            "enum": ["on-failure", "always", "never"]
        },
        "tags": {
            "description": "Labels for the benchmark.",
            "type": ["array", "null"],
            "items": { "type": "string", "minLength": 1 }
        }
    }));
    settings.insert("budget".into(), budget_section());
    settings.insert("regression".into(), regression_section());
    settings
}

/// `budget:`.
fn budget_section() -> Value {
    closed_section(
        "Limits; a run that exceeds one fails the gate. No limit where left out.",
        json!({
            "peak": {
                "description": "Largest memory use of the whole process tree.",
                "$ref": "#/definitions/size"
            },
            "steady": {
                "description": "Median memory use after warm-up and before teardown.",
                "$ref": "#/definitions/size"
            },
            "growth": {
                "description": "Leak slope allowed.",
                "$ref": "#/definitions/rate"
            },
            "warn_at": {
                "description": "Status `warn` (still a pass) above this share of a budget; above 0% and at most 100%. Default: 90%.",
                "$ref": "#/definitions/percent"
            },
            "include_file": {
                "description": "Whether budgets count file-backed pages (page cache, mmap'd files) too, not only anonymous and shared memory. Default: false.",
                "type": "boolean"
            },
            "phases": {
                "description": "Limits on the peak of named phases, such as `{load: 300MiB}`: a phase starts when the benchmark writes `memgate:phase NAME` to the file descriptor in `MEMGATE_PHASE_FD` (docs/phases.md). A budgeted phase that no run marks fails. Merged with `defaults` name by name.",
                "type": "object",
                "maxProperties": 100,
                "propertyNames": { "minLength": 1, "maxLength": 64, "pattern": "^\\S(.*\\S)?$" },
                "additionalProperties": { "$ref": "#/definitions/size" }
            }
        }),
    )
}

/// `regression:`.
fn regression_section() -> Value {
    closed_section(
        "Thresholds against the baseline (the pull request's base), when there is one.",
        json!({
            "peak": {
                "description": "A peak more than this above the baseline's is a regression. Default: 10%.",
                "$ref": "#/definitions/percent"
            },
            "steady": {
                "description": "A steady state more than this above the baseline's is a regression. Default: 10%.",
                "$ref": "#/definitions/percent"
            },
            "min_delta": {
                "description": "Smaller absolute changes are never regressions. Default: 8MiB.",
                "$ref": "#/definitions/size"
            }
        }),
    )
}

/// The map of a `json!` object literal.
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::read::{
        BUDGET_KEYS, COMMAND_KEYS, GITHUB_KEYS, REGRESSION_KEYS, SETTINGS_KEYS, TOP_KEYS,
    };

    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn sorted(lists: &[&[&str]]) -> Vec<String> {
        let mut keys: Vec<String> = lists.concat().iter().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn keys_match_the_loader() {
        let schema = json_schema();
        let props = &schema["properties"];
        assert_eq!(keys(props), sorted(&[TOP_KEYS]));
        assert_eq!(
            keys(&props["defaults"]["properties"]),
            sorted(&[SETTINGS_KEYS])
        );
        assert_eq!(
            keys(&schema["definitions"]["benchmark"]["properties"]),
            sorted(&[COMMAND_KEYS, SETTINGS_KEYS])
        );
        let settings = &props["defaults"]["properties"];
        assert_eq!(
            keys(&settings["budget"]["properties"]),
            sorted(&[BUDGET_KEYS])
        );
        assert_eq!(
            keys(&settings["regression"]["properties"]),
            sorted(&[REGRESSION_KEYS])
        );
        assert_eq!(keys(&props["github"]["properties"]), sorted(&[GITHUB_KEYS]));
    }

    #[test]
    fn every_object_is_closed() {
        fn walk(value: &Value, path: &str) {
            if let Some(map) = value.as_object() {
                if map.contains_key("properties") {
                    assert_eq!(
                        map.get("additionalProperties"),
                        Some(&Value::Bool(false)),
                        "{path}"
                    );
                }
                for (k, v) in map {
                    if k != "properties" || !v.is_object() {
                        walk(v, &format!("{path}/{k}"));
                    } else {
                        for (name, prop) in v.as_object().unwrap() {
                            walk(prop, &format!("{path}/properties/{name}"));
                        }
                    }
                }
            }
        }
        walk(&json_schema(), "#");
    }

    #[test]
    fn is_draft_07() {
        assert_eq!(
            json_schema()["$schema"],
            "http://json-schema.org/draft-07/schema#"
        );
    }
}
