//! The book cannot drift from the code, and cannot rot: this test builds it with
//! mdBook (the library) into a temporary directory and fails on an include whose
//! file or anchor is gone, a chapter missing from SUMMARY.md, a lesson without a
//! chapter, a `{{#` left in a page, or an internal link or `#fragment` that lands
//! nowhere. mdBook itself only warns about some of these, and says nothing of others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use classroom::book::{
    book_root, build, built_problems, check_include, directives, source_problems,
};
use classroom::workspace_root;

/// A fresh directory under the system's temporary one, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("classroom-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_sources_are_sound() {
    let problems = source_problems(&book_root().join("src"), &workspace_root().join("lessons"));
    assert!(
        problems.is_empty(),
        "the book's sources:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_book_builds_and_every_link_lands() {
    let out = TempDir::new("book");
    build(&out.0).unwrap();
    // Every chapter of the summary became a page.
    let summary = fs::read_to_string(book_root().join("src/SUMMARY.md")).unwrap();
    for chapter in summary.split("](").skip(1) {
        let file = chapter.split(')').next().unwrap().replace(".md", ".html");
        let page = out.0.join(&file);
        let html = fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page {file}"));
        assert!(html.contains("<main>"), "{file} has no content");
    }
    // Search is on, and its index (a file of the book: it works offline) knows the
    // crate's names.
    let index = fs::read_dir(&out.0)
        .unwrap()
        .flatten()
        .find(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("searchindex")
        })
        .expect("the book has no search index: is search enabled in book.toml?");
    let index = fs::read_to_string(index.path()).unwrap();
    for word in ["process_request", "ThreadingMixIn", "verify_request"] {
        assert!(
            index.contains(word),
            "the search index does not know {word}"
        );
    }
    // Every exercise's statement is where the runner's `show` links to.
    let root = workspace_root();
    for exercise in classroom::exercises::all() {
        let link = classroom::exercises::statement::html_link(&root, Some(&out.0), exercise);
        let (page, id) = link.trim_start_matches("file://").split_once('#').unwrap();
        // `html_link` adds `book/`: the test's book is at `out`, not `out/book`.
        let page = page.replace(
            &format!("{}/book/", out.0.display()),
            &format!("{}/", out.0.display()),
        );
        let html = fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page {page}"));
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "{}: `show` links to #{id}, which {page} does not have",
            exercise.id
        );
    }
    let problems = built_problems(&out.0);
    assert!(
        problems.is_empty(),
        "the built book:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_source_checker_catches_what_it_should() {
    let book = TempDir::new("bad-sources");
    let src = book.0.join("src");
    let lessons = book.0.join("lessons");
    fs::create_dir_all(&src).unwrap();
    fs::create_dir_all(lessons.join("lesson-01")).unwrap();
    fs::write(src.join("SUMMARY.md"), "# Summary\n\n- [A](a.md)\n").unwrap();
    fs::write(
        src.join("code.rs"),
        "// ANCHOR: here\nfn f() {}\n// ANCHOR_END: here\n",
    )
    .unwrap();
    fs::write(
        src.join("a.md"),
        "{{#include code.rs:here}}\n{{#include code.rs:gone}}\n{{#include nowhere.rs}}\n{{#bogus x}}\n\
         ```rust\n{{#include code.rs:here}}\nfn pasted() {}\n```\n```text\nfn fine() {}\n```\n",
    )
    .unwrap();
    fs::write(src.join("orphan.md"), "# not in the summary\n").unwrap();
    let problems = source_problems(&src, &lessons);
    let expected = [
        "a.md: {{#include code.rs:gone}}: code.rs: no anchor `gone`",
        "a.md: {{#include nowhere.rs}}: nowhere.rs: no such file",
        "a.md: {{#bogus x}}: unknown directive",
        "a.md: pasted code (include it from a tested file): fn pasted() {}",
        "orphan.md is not in SUMMARY.md",
        "lesson-01 has no chapter book/src/lesson-01.md",
    ];
    assert_eq!(problems, expected);

    let chapter = book_root().join("src/introduction.md");
    let lib = "../../lessons/lesson-01/src/lib.rs";
    assert_eq!(check_include(&chapter, &format!("{lib}:listen")), None);
    assert!(check_include(&chapter, &format!("{lib}:1:999999")).is_some());
    let snap = "../../lessons/lesson-07/tests/snapshots/server__explain.snap";
    assert_eq!(check_include(&chapter, &format!("{snap}:6:")), None);
    assert!(check_include(&chapter, &format!("{snap}:5:")).is_some());
    assert_eq!(
        directives("a {{#include x.rs:y}} b"),
        vec!["include x.rs:y"]
    );
}

#[test]
fn the_page_checker_catches_what_it_should() {
    let out = TempDir::new("bad-pages");
    let page = |name: &str, html: &str| fs::write(out.0.join(name), html).unwrap();
    page(
        "a.html",
        r##"<main><h2 id="here">Here</h2>
        <a href="#here">fine</a> <a href="b.html#there">fine</a> <a href="https://x.org/">external</a>
        <a href="#nope">bad</a> <a href="b.html#nope">bad</a> <a href="c.html">bad</a>
        <a href="../outside.html">bad</a> {{#include left.rs}}</main>"##,
    );
    page("b.html", r#"<main><p id="there">There</p></main>"#);
    let problems = built_problems(&out.0);
    let expected = [
        "a.html: a directive was left unexpanded",
        "a.html: link `#nope`: no `#nope` on that page",
        "a.html: link `../outside.html`: leaves the book",
        "a.html: link `b.html#nope`: no `#nope` on that page",
        "a.html: link `c.html`: no such page",
    ];
    assert_eq!(problems, expected);
    assert!(Path::new(&out.0).exists());
}

/// Every lesson chapter ends with "Where this goes in socketserver" and the growing
/// table, up to its own row: the course's throughline, one row per lesson, written
/// once in `include/throughline.md`. A chapter's exercises, when it has them, come
/// just before: `## Exercises` is the second-to-last section.
#[test]
fn every_lesson_chapter_ends_with_its_row_of_the_throughline() {
    let src = book_root().join("src");
    let table = fs::read_to_string(src.join("include/throughline.md")).unwrap();
    let mut problems = Vec::new();
    for chapter in classroom::book::chapters(&src) {
        let name = chapter.file_stem().unwrap().to_string_lossy().to_string();
        let Some(number) = name.strip_prefix("lesson-") else {
            continue;
        };
        let markdown = fs::read_to_string(&chapter).unwrap();
        let Some((_, last_section)) = markdown.rsplit_once("\n## ") else {
            problems.push(format!("{name}: no sections"));
            continue;
        };
        if !last_section.starts_with("Where this goes in socketserver") {
            problems.push(format!(
                "{name}: the last section is not \"Where this goes\""
            ));
        }
        let sections: Vec<&str> = markdown
            .split("\n## ")
            .skip(1)
            .map(|section| section.lines().next().unwrap_or(""))
            .collect();
        if let Some(at) = sections.iter().position(|title| *title == "Exercises")
            && at + 2 != sections.len()
        {
            problems.push(format!(
                "{name}: \"Exercises\" is not the section just before \"Where this goes\""
            ));
        }
        // The header, then rows 01..=N: the table ends at the lesson's own row.
        let rows: usize = number.parse().unwrap();
        let include = format!("{{{{#include include/throughline.md:1:{}}}}}", rows + 2);
        if !last_section.contains(&include) {
            problems.push(format!("{name}: does not end with {include}"));
        }
        let own_row = table.lines().nth(rows + 1).unwrap_or("");
        if !own_row.starts_with(&format!("| {number} |")) {
            problems.push(format!(
                "{name}: line {} of the table is not its row",
                rows + 2
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
