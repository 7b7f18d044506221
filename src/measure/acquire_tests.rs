//! Every decision of `acquire::decide`, from facts of the places memgate runs.

use std::path::PathBuf;

use super::*;

const MIB: u64 = 1 << 20;

fn cgroup(dir: &str) -> CgroupFacts {
    CgroupFacts {
        dir: PathBuf::from(dir),
        access: Access::Writable,
        other_processes: 0,
        memory_offered: true,
        memory_for_children: false,
        is_root: dir == "/sys/fs/cgroup",
        systemd_unit: false,
        delegated: false,
        others_memory: Some(0),
    }
}

fn root() -> CgroupFacts {
    CgroupFacts {
        memory_for_children: true,
        other_processes: 40,
        ..cgroup("/sys/fs/cgroup")
    }
}

fn facts(version: CgroupVersion, chain: Vec<CgroupFacts>) -> Facts {
    Facts {
        version,
        root_user: true,
        systemd_host: false,
        named: None,
        chain,
        manager: None,
        own_failed: None,
        created_failed: None,
    }
}

/// Why the facts decide sampling, and the fix named; panics on any other decision.
fn none_of(facts: &Facts) -> (String, String) {
    match decide(facts) {
        Ok(Choice::None { why, exact }) => (why, exact),
        other => panic!("{other:?}"),
    }
}

fn dir(path: &str) -> PathBuf {
    PathBuf::from(path)
}

#[test]
fn a_named_base_comes_first_and_an_unusable_one_is_an_error() {
    let mut f = facts(CgroupVersion::V2, vec![cgroup("/sys/fs/cgroup/a"), root()]);
    f.named = Some(Named {
        origin: "MEMGATE_CGROUP".into(),
        dir: dir("/sys/fs/cgroup/memgate"),
        problem: None,
    });
    assert_eq!(
        decide(&f),
        Ok(Choice::Admin {
            dir: dir("/sys/fs/cgroup/memgate")
        })
    );
    f.named.as_mut().unwrap().problem = Some("it is on a read-only file system".into());
    let err = decide(&f).unwrap_err();
    assert_eq!(
        err.to_string(),
        "MEMGATE_CGROUP names /sys/fs/cgroup/memgate, which memgate cannot use: it is on a read-only file system"
    );
}

#[test]
fn v1_uses_its_own_writable_cgroup_even_beside_other_processes() {
    let home = CgroupFacts {
        other_processes: 4,
        memory_for_children: true,
        ..cgroup("/sys/fs/cgroup/memory/process_api/abc")
    };
    let f = facts(CgroupVersion::V1, vec![home]);
    assert_eq!(
        decide(&f),
        Ok(Choice::Own {
            dir: dir("/sys/fs/cgroup/memory/process_api/abc"),
            self_leaf: false
        })
    );
}

#[test]
fn v2_uses_its_own_cgroup_only_alone_and_moves_into_a_leaf_once() {
    let alone = facts(
        CgroupVersion::V2,
        vec![cgroup("/sys/fs/cgroup/job"), root()],
    );
    assert_eq!(
        decide(&alone),
        Ok(Choice::Own {
            dir: dir("/sys/fs/cgroup/job"),
            self_leaf: true
        })
    );
    // Shared, not root, no systemd: nothing memgate may do; the note says why and what helps.
    let mut shared = alone.clone();
    shared.chain[0].other_processes = 2;
    shared.root_user = false;
    let (why, exact) = none_of(&shared);
    assert!(why.contains("holds 2 other process(es)"), "{why}");
    assert!(exact.contains("MEMGATE_CGROUP"), "{exact}");
}

#[test]
fn an_undelegated_systemd_unit_is_never_ours_but_a_delegated_one_is() {
    let unit = CgroupFacts {
        systemd_unit: true,
        ..cgroup("/sys/fs/cgroup/system.slice/job.service")
    };
    let mut f = facts(CgroupVersion::V2, vec![unit, root()]);
    f.systemd_host = true;
    f.root_user = false;
    let (why, exact) = none_of(&f);
    assert!(why.contains("not delegated"), "{why}");
    assert!(exact.starts_with("systemd-run --user --scope"), "{exact}");
    f.chain[0].delegated = true;
    assert!(matches!(decide(&f), Ok(Choice::Own { .. })));
}

#[test]
fn systemd_hosts_ask_the_manager_for_a_scope() {
    let runner = CgroupFacts {
        systemd_unit: true,
        other_processes: 3,
        ..cgroup("/sys/fs/cgroup/system.slice/hosted-compute-agent.service")
    };
    let mut f = facts(CgroupVersion::V2, vec![runner, root()]);
    f.systemd_host = true;
    f.root_user = false;
    f.manager = Some(Manager::User);
    assert_eq!(decide(&f), Ok(Choice::Systemd(Manager::User)));
    // As root on a systemd host, never "created": the system manager's scope instead.
    f.root_user = true;
    f.manager = Some(Manager::System);
    assert_eq!(decide(&f), Ok(Choice::Systemd(Manager::System)));
    // v1 hosts are not asked (a scope would not carry the v1 memory hierarchy).
    f.version = CgroupVersion::V1;
    assert!(!matches!(decide(&f), Ok(Choice::Systemd(_))));
}

#[test]
fn root_without_systemd_creates_a_cgroup_under_the_nearest_ancestor_that_can_hold_it() {
    let shared = CgroupFacts {
        other_processes: 3,
        ..cgroup("/sys/fs/cgroup/services/job")
    };
    // The middle ancestor neither gives memory to children nor is the root: skipped.
    let middle = cgroup("/sys/fs/cgroup/services");
    let f = facts(CgroupVersion::V2, vec![shared, middle, root()]);
    assert_eq!(
        decide(&f),
        Ok(Choice::Created {
            parent: dir("/sys/fs/cgroup"),
            self_leaf: true
        })
    );
    let mut with_memory = f.clone();
    with_memory.chain[1].memory_for_children = true;
    assert_eq!(
        decide(&with_memory),
        Ok(Choice::Created {
            parent: dir("/sys/fs/cgroup/services"),
            self_leaf: true
        })
    );
    // memgate in the root cgroup itself: created right there.
    let in_root = facts(CgroupVersion::V2, vec![root()]);
    assert!(
        matches!(decide(&in_root), Ok(Choice::Created { parent, .. }) if parent == dir("/sys/fs/cgroup"))
    );
    let mut failed = f;
    failed.created_failed = Some("/sys/fs/cgroup: Permission denied".into());
    let (why, _) = none_of(&failed);
    assert_eq!(why, "/sys/fs/cgroup: Permission denied");
}

#[test]
fn a_read_only_cgroup_is_a_meter_when_others_hold_little() {
    let container = CgroupFacts {
        access: Access::ReadOnly("on a read-only file system".into()),
        other_processes: 1,
        others_memory: Some(20 * MIB),
        is_root: true,
        ..cgroup("/sys/fs/cgroup")
    };
    let f = facts(CgroupVersion::V2, vec![container]);
    assert_eq!(
        decide(&f),
        Ok(Choice::ReadOnlyShared {
            dir: dir("/sys/fs/cgroup")
        })
    );
    let mut busy = f;
    busy.chain[0].others_memory = Some(SHARED_OTHERS_LIMIT);
    let (why, exact) = none_of(&busy);
    assert!(why.contains("read-only") && why.contains("64 MiB"), "{why}");
    assert!(exact.contains("--cgroupns=private"), "{exact}");
}

#[test]
fn no_memory_hierarchy_is_sampling() {
    let f = facts(CgroupVersion::V2, vec![]);
    let (why, _) = none_of(&f);
    assert!(why.contains("no memory controller"), "{why}");
}

#[test]
fn a_failed_own_attempt_falls_through_to_the_next_way() {
    let mut f = facts(
        CgroupVersion::V2,
        vec![cgroup("/sys/fs/cgroup/job"), root()],
    );
    f.own_failed = Some("/sys/fs/cgroup/job: Device or resource busy".into());
    assert!(matches!(decide(&f), Ok(Choice::Created { .. })));
    f.root_user = false;
    let (why, _) = none_of(&f);
    assert!(why.contains("busy"), "{why}");
}

#[test]
fn a_runner_step_whose_scope_failed_is_told_the_systemd_run_line() {
    let agent = CgroupFacts {
        access: Access::ReadOnly("not writable by this user".into()),
        systemd_unit: true,
        other_processes: 2,
        others_memory: Some(180 * MIB),
        ..cgroup("/sys/fs/cgroup/system.slice/hosted-compute-agent.service")
    };
    let mut f = facts(CgroupVersion::V2, vec![agent, root()]);
    f.systemd_host = true;
    f.root_user = false;
    let (why, exact) = none_of(&f);
    assert!(why.contains("not writable by this user"), "{why}");
    assert!(exact.starts_with("systemd-run --user --scope"), "{exact}");
}
