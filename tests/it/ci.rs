//! The CI entry point and the repository's shape: `.ci/run` is the README's test command and
//! then the clean-tree check, nothing else; the checkout stays under 1 000 tracked files,
//! with the fuzz corpus a campaign grows out of git (issue 19).

use std::path::PathBuf;
use std::process::Command;

use crate::common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The command lines of a shell script: no comments, no blank lines.
fn commands(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn ci_runs_the_readme_test_command_then_checks_the_tree_is_clean() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```sh id=test")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a ```sh id=test block");
    let test_command: Vec<&str> = block
        .lines()
        .skip(1) // the rest of the info string
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(test_command, ["ops/test"], "the README's test command");
    let run = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    let got = commands(&run);
    let want = [
        "set -euo pipefail",
        "cd \"$(dirname \"$0\")/..\"",
        "export CI=\"${CI:-true}\"",
        "ops/test",
        "untracked=$(git ls-files --others --exclude-standard)",
        "if [ -n \"$untracked\" ]; then",
        "printf 'the tests left files that git does not ignore:\\n%s\\n' \"$untracked\" >&2",
        "exit 1",
        "fi",
        "git diff --exit-code",
    ];
    assert_eq!(
        got, want,
        ".ci/run: the test command, then the clean-tree check"
    );
    // Installs are ops/setup's, called by ops/test only when something is missing.
    let test = commands(&std::fs::read_to_string(root().join("ops/test")).unwrap()).join("\n");
    assert!(test.contains("ops/setup --check || ops/setup"));
    for install in ["apt-get", "npm ci", "cargo install"] {
        assert!(
            !test.contains(install),
            "ops/test runs {install}: ops/setup's job"
        );
    }
}

#[test]
fn the_checkout_stays_small_with_the_fuzz_corpus_out_of_git() {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output();
    let files = match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => {
            common::skip("not a git checkout (or no git): the tracked files cannot be counted");
            return;
        }
    };
    let files: Vec<&str> = files.split('\0').filter(|f| !f.is_empty()).collect();
    assert!(files.len() < 1_000, "{} tracked files", files.len());
    let corpus: Vec<&&str> = files
        .iter()
        .filter(|f| f.starts_with("fuzz/corpus/"))
        .collect();
    assert!(corpus.is_empty(), "the fuzz corpus is tracked: {corpus:?}");
    let mut per_target = std::collections::BTreeMap::<&str, usize>::new();
    for f in &files {
        if let Some(rest) = f.strip_prefix("fuzz/seeds/") {
            if let Some((target, _)) = rest.split_once('/') {
                *per_target.entry(target).or_default() += 1;
            }
        }
    }
    assert!(per_target.len() >= 9, "{per_target:?}");
    for (target, n) in per_target {
        assert!(n <= 20, "fuzz/seeds/{target}: {n} files (keep at most 20)");
    }
}
