//! The student's work: their copies of the exercises, and how they are built.
//!
//! The starters and solutions are the project's; the copies a student edits are the
//! student's. They live in `exercises/` at the workspace root (or wherever
//! `CLASSROOM_EXERCISES` says: the runner's tests use a temporary one), one file per
//! exercise, `exercises/05-broadcast.rs`, made from the pristine starter the first
//! time the student asks for it, and never overwritten without a backup.
//!
//! Git ignores the directory, and no workspace command sees it: `cargo test
//! --workspace` and CI compile the lessons' packages, whose examples are the
//! project's starters and solutions, never a student's file. A half-finished file
//! with a syntax error breaks nothing but its own check. The runner builds the copies
//! in cargo packages of their own, one per lesson, generated under
//! `exercises/.build/lesson-NN/` (each its own workspace, so cargo never mistakes it
//! for a member of ours) with the lesson's library and the lesson's dependencies,
//! locked to the workspace's `Cargo.lock`, and built into the workspace's target
//! directory, so they reuse what is compiled already.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::check::BuildError;
use super::{Code, Exercise};

/// The student's directory: `$CLASSROOM_EXERCISES` if set, else `exercises/` in the
/// workspace `root`.
pub fn dir(root: &Path) -> PathBuf {
    match std::env::var_os("CLASSROOM_EXERCISES") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("exercises"),
    }
}

/// The student's copy of `exercise`: `exercises/01-greeting.rs`.
pub fn path(root: &Path, exercise: &Exercise) -> PathBuf {
    dir(root).join(format!("{}.rs", exercise.id))
}

/// Makes the student's copy from the starter if there is none yet. Returns its path,
/// and whether it was just made. An existing copy is never touched.
pub fn ensure_copy(root: &Path, exercise: &Exercise) -> io::Result<(PathBuf, bool)> {
    let copy = path(root, exercise);
    if copy.exists() {
        return Ok((copy, false));
    }
    let starter = fs::read_to_string(exercise.path(root, Code::Starter))?;
    fs::create_dir_all(dir(root))?;
    write_readme(root)?;
    // `create_new`: if another runner made it in between, theirs stays.
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&copy)
    {
        Ok(mut file) => {
            io::Write::write_all(&mut file, starter.as_bytes())?;
            Ok((copy, true))
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok((copy, false)),
        Err(error) => Err(error),
    }
}

/// A README in the student's directory, saying what it is, once.
fn write_readme(root: &Path) -> io::Result<()> {
    let readme = dir(root).join("README.md");
    if readme.exists() {
        return Ok(());
    }
    fs::write(
        readme,
        "# Your exercises\n\n\
         One file per exercise, made from its starter the first time you checked it:\n\
         `01-greeting.rs` is yours to edit. Git ignores this directory and\n\
         `cargo test --workspace` never builds it. `cargo run -p classroom -- reset ID`\n\
         starts an exercise over (your version is saved in `.classroom-backups/` first).\n",
    )
}

/// Builds the student's copy of `exercise` (which must exist) with cargo, its
/// messages going straight to the terminal, and returns the executable's path.
pub fn build(root: &Path, target_dir: &Path, exercise: &Exercise) -> Result<PathBuf, BuildError> {
    let package = exercise.package();
    let dir = dir(root).join(".build").join(&package);
    // Every copy of the lesson's exercises that exists, so that the package is the
    // same whichever is checked (and cargo rebuilds only what changed).
    let bins: Vec<(String, PathBuf)> = super::all()
        .filter(|e| e.package() == package)
        .map(|e| (e.id.to_string(), path(root, e)))
        .filter(|(_, copy)| copy.exists())
        .collect();
    let names = [exercise.id.to_string()];
    build_bins(
        root,
        target_dir,
        &dir,
        &format!("{package}-exercises"),
        &package,
        &bins,
        &names,
    )?;
    Ok(binary(target_dir, exercise.id))
}

/// Builds the project's own starters and solutions of `targets` exactly as a
/// student's copies are built, in packages of their own under the target directory
/// (`classroom-verify/lesson-NN/`), with the lesson's normal dependencies only: a
/// solution that needs a lesson's dev-dependency builds as an example of the lesson,
/// and would not build as a student's file. Returns each target's executable.
pub fn build_project(
    root: &Path,
    target_dir: &Path,
    targets: &[(&Exercise, Code)],
) -> Result<Vec<PathBuf>, BuildError> {
    let name = |exercise: &Exercise, code: Code| match code {
        Code::Starter => format!("{}-starter", exercise.id),
        Code::Solution => format!("{}-solution", exercise.id),
    };
    let mut packages: Vec<String> = targets.iter().map(|(e, _)| e.package()).collect();
    packages.dedup();
    for package in packages {
        // Every starter and solution of the lesson, whichever are built: two builds
        // at once (the exercises' tests run in parallel) write the same manifest.
        let bins: Vec<(String, PathBuf)> = super::all()
            .filter(|e| e.package() == package)
            .flat_map(|e| {
                [Code::Starter, Code::Solution].map(|code| (name(e, code), e.path(root, code)))
            })
            .collect();
        let names: Vec<String> = targets
            .iter()
            .filter(|(e, _)| e.package() == package)
            .map(|&(e, code)| name(e, code))
            .collect();
        let dir = target_dir.join("classroom-verify").join(&package);
        build_bins(
            root,
            target_dir,
            &dir,
            &format!("{package}-project-exercises"),
            &package,
            &bins,
            &names,
        )?;
    }
    Ok(targets
        .iter()
        .map(|&(e, code)| binary(target_dir, &name(e, code)))
        .collect())
}

/// Where cargo puts the executable of a binary called `name`.
fn binary(target_dir: &Path, name: &str) -> PathBuf {
    target_dir
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Writes the package `name` in `dir` (the lesson `lesson`'s library and
/// dependencies, and `bins`), then builds the binaries `names` of it with cargo.
fn build_bins(
    root: &Path,
    target_dir: &Path,
    dir: &Path,
    name: &str,
    lesson: &str,
    bins: &[(String, PathBuf)],
    names: &[String],
) -> Result<(), BuildError> {
    let manifest = write_manifest(root, dir, name, lesson, bins).map_err(|error| {
        BuildError::NoCargo(format!(
            "cannot write the build files in {}: {error}",
            dir.display()
        ))
    })?;
    let mut command = super::check::cargo();
    command
        .current_dir(root)
        .arg("build")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir);
    for name in names {
        command.args(["--bin", name]);
    }
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(_) => Err(BuildError::Failed),
        Err(error) => Err(BuildError::NoCargo(error.to_string())),
    }
}

/// Writes the package's manifest (only if it changed, so cargo sees nothing new when
/// nothing is) and its lock file, and returns the manifest's path.
fn write_manifest(
    root: &Path,
    dir: &Path,
    name: &str,
    lesson: &str,
    bins: &[(String, PathBuf)],
) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let manifest = manifest(root, name, lesson, bins).map_err(io::Error::other)?;
    let path = dir.join("Cargo.toml");
    if fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
        fs::write(&path, manifest)?;
    }
    // The workspace's versions of every dependency, so that nothing is resolved anew
    // (or fetched) for the student's build. Cargo trims it to what this package uses.
    // Copied again whenever the workspace's is newer (a `git pull` that updated it).
    let lock = dir.join("Cargo.lock");
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();
    let workspace_lock = root.join("Cargo.lock");
    if modified(&lock) < modified(&workspace_lock) {
        fs::copy(&workspace_lock, &lock)?;
    }
    Ok(path)
}

/// The text of a package's manifest: the lesson's library by path, the lesson's own
/// dependencies as the workspace gives them (not its dev-dependencies: those are its
/// tests'), and `bins`.
fn manifest(
    root: &Path,
    name: &str,
    lesson: &str,
    bins: &[(String, PathBuf)],
) -> Result<String, String> {
    let lesson_package = super::check::metadata(root)?["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|p| p["name"].as_str() == Some(lesson))
                .cloned()
        })
        .ok_or_else(|| format!("cargo metadata does not know {lesson}"))?;
    let mut text = format!(
        "# Generated by the classroom runner, rewritten on every build: {lesson}'s exercises.\n\
         [package]\n\
         name = \"{name}\"\n\
         version = \"0.0.0\"\n\
         edition = \"{}\"\n\
         publish = false\n\n\
         # A workspace of its own: never a member of the course's.\n\
         [workspace]\n\n\
         [dependencies]\n\
         {} = {{ path = {} }}\n",
        lesson_package["edition"].as_str().unwrap_or("2024"),
        toml_key(lesson),
        toml_string(&lesson_dir_of(&lesson_package)?),
    );
    for dependency in lesson_package["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if !dependency["kind"].is_null() {
            continue; // dev- and build-dependencies: the lesson's tests, not its code
        }
        text.push_str(&dependency_line(dependency)?);
    }
    for (bin, source) in bins {
        text.push_str(&format!(
            "\n[[bin]]\nname = {}\npath = {}\n",
            toml_string(bin),
            toml_string(&source.to_string_lossy())
        ));
    }
    Ok(text)
}

/// The directory of a package, from its `manifest_path` in cargo's metadata.
fn lesson_dir_of(package: &serde_json::Value) -> Result<String, String> {
    package["manifest_path"]
        .as_str()
        .and_then(|manifest| Path::new(manifest).parent())
        .map(|dir| dir.to_string_lossy().into_owned())
        .ok_or_else(|| "cargo metadata gave no manifest path".to_string())
}

/// One `[dependencies]` line for a dependency as cargo's metadata describes it.
fn dependency_line(dependency: &serde_json::Value) -> Result<String, String> {
    let name = dependency["name"]
        .as_str()
        .ok_or("a dependency without a name")?;
    let mut fields = Vec::new();
    if dependency["rename"].is_string() {
        fields.push(format!("package = {}", toml_string(name)));
    }
    match dependency["path"].as_str() {
        Some(path) => fields.push(format!("path = {}", toml_string(path))),
        None => fields.push(format!(
            "version = {}",
            toml_string(dependency["req"].as_str().unwrap_or("*"))
        )),
    }
    if dependency["uses_default_features"] == false {
        fields.push("default-features = false".to_string());
    }
    let features: Vec<String> = dependency["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|feature| feature.as_str().map(toml_string))
        .collect();
    if !features.is_empty() {
        fields.push(format!("features = [{}]", features.join(", ")));
    }
    let key = dependency["rename"].as_str().unwrap_or(name);
    Ok(format!("{} = {{ {} }}\n", toml_key(key), fields.join(", ")))
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A TOML key: bare if it can be.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// Whether `path` is git-ignored in the repository at `root` (`None`: git could not
/// say, say because it is not installed).
pub fn is_ignored(root: &Path, path: &Path) -> Option<bool> {
    let status = Command::new("git")
        .current_dir(root)
        .arg("check-ignore")
        .arg("--quiet")
        .arg(OsString::from(path))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    match status.code() {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_and_keys_are_quoted_when_they_must_be() {
        assert_eq!(toml_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(toml_key("lesson-05"), "lesson-05");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
    }

    #[test]
    fn a_dependency_line_keeps_features_and_defaults() {
        let dependency = serde_json::json!({
            "name": "clap", "req": "^4.5", "kind": null, "rename": null,
            "uses_default_features": true, "features": ["derive"],
        });
        assert_eq!(
            dependency_line(&dependency).unwrap(),
            "clap = { version = \"^4.5\", features = [\"derive\"] }\n"
        );
        let dependency = serde_json::json!({
            "name": "socketserver", "req": "*", "kind": null, "rename": null,
            "uses_default_features": false, "features": [], "path": "/w/socketserver",
        });
        assert_eq!(
            dependency_line(&dependency).unwrap(),
            "socketserver = { path = \"/w/socketserver\", default-features = false }\n"
        );
    }
}
