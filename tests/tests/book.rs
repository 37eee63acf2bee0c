//! The book cannot drift from the code, and cannot rot: this test builds it with
//! mdBook (the library) into a temporary directory and fails on an include whose
//! file or anchor is gone, a chapter missing from SUMMARY.md, a lesson without a
//! chapter, a `{{#` left in a page, an internal link or `#fragment` that lands
//! nowhere (a link to a glossary term among them), a glossary term without an anchor,
//! or included code that keeps a margin. mdBook itself only warns about some of these, and says nothing of others.
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
        <a href="glossary.html#atomicbool">fine</a> <a href="glossary.html#atomic-bool">bad</a>
        <a href="../outside.html">bad</a> {{#include left.rs}}
        <pre><code class="language-python">def fine():
    pass
</code></pre>
        <pre><code class="language-text">    indented text is fine
</code></pre>
        <pre><code class="language-rust">    fn method(&amp;self) {}
</code></pre></main>"##,
    );
    page("b.html", r#"<main><p id="there">There</p></main>"#);
    page(
        "glossary.html",
        r##"<main><dl><dt id="atomicbool"><a class="header" href="#atomicbool"><strong><code>AtomicBool</code></strong></a></dt>
        <dd><p>A bool threads share. <a href="b.html">More</a>.</p></dd></dl></main>"##,
    );
    let problems = built_problems(&out.0);
    let expected = [
        "a.html: a code block is indented as a whole (is `Dedent` on?): fn method(&amp;self) {}",
        "a.html: a directive was left unexpanded",
        "a.html: link `#nope`: no `#nope` on that page",
        "a.html: link `../outside.html`: leaves the book",
        "a.html: link `b.html#nope`: no `#nope` on that page",
        "a.html: link `c.html`: no such page",
        "a.html: link `glossary.html#atomic-bool`: no `#atomic-bool` on that page",
    ];
    assert_eq!(problems, expected);
    assert!(Path::new(&out.0).exists());
}

/// Every glossary term is a link target of its own, and every definition links on to a
/// chapter. (That links to `glossary.md#term` land is the link check above.)
#[test]
fn the_glossary_checker_catches_what_it_should() {
    let html = r##"<main><h2 id="threads">Threads</h2><dl>
        <dt id="arc"><a class="header" href="#arc"><strong><code>Arc</code></strong></a></dt>
        <dd><p>Shared ownership. <a href="lesson-04.html">Lesson 04</a>.</p></dd>
        <dt><strong>raw, no anchor</strong></dt>
        <dd><p>Written as HTML. <a href="lesson-04.html">Lesson 04</a>.</p></dd>
        <dt id="threads-1"><a class="header" href="#threads-1"><strong>threads</strong></a></dt>
        <dd><p>Same id as the heading. <a href="lesson-04.html">Lesson 04</a>.</p></dd>
        <dt id="mutex"><a class="header" href="#mutex"><strong><code>Mutex</code></strong></a></dt>
        <dd><p>A lock, and no link.</p></dd></dl>
        <p><strong><code>AtomicBool</code></strong></p><p>No colon line: a paragraph.</p></main>"##;
    assert_eq!(
        classroom::book::glossary_problems(html),
        [
            "the term `raw, no anchor` has no anchor",
            "the term `threads` has the anchor `#threads-1`: another term or heading makes `#threads`",
            "a definition links to no chapter that explains more: A lock, and no link....",
            "`AtomicBool` is a paragraph, not a term (write `**term**` then a line `: definition`): it has no anchor",
        ]
    );
    // The real glossary: every term has its anchor, and `AtomicBool` is `#atomicbool`.
    let out = TempDir::new("glossary");
    build(&out.0).unwrap();
    let html = fs::read_to_string(out.0.join("glossary.html")).unwrap();
    assert_eq!(
        classroom::book::glossary_problems(&html),
        Vec::<String>::new()
    );
    for id in [
        "atomicbool",
        "orderingseqcst",
        "self-arcself",
        "requestself",
    ] {
        assert!(
            html.contains(&format!("<dt id=\"{id}\"")),
            "the glossary has no term with the anchor #{id}"
        );
    }
    // Every term of the markdown is a term of the page.
    let markdown = fs::read_to_string(book_root().join("src/glossary.md")).unwrap();
    let lines: Vec<&str> = markdown.lines().collect();
    let terms = lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("**") && pair[1].starts_with(": "))
        .count();
    assert_eq!(terms, html.matches("<dt id=").count());
}

/// An include from inside a `class` or an `impl` is shown from the left margin, its
/// own indentation kept; a block in a list item keeps every line in the item (mdBook's
/// include puts its lines after the first at column 0); text blocks are left as they are.
#[test]
fn code_blocks_are_dedented() {
    let chapter = "Text\n\n```python\n    def m(self):\n        pass\n\n    # end\n```\n\n\
                   ```text\n    kept\n```\n\n1. A step:\n\n   ```rust\n       fn f() {\n    }\n   ```\n";
    let expected = "Text\n\n```python\ndef m(self):\n    pass\n\n# end\n```\n\n\
                    ```text\n    kept\n```\n\n1. A step:\n\n   ```rust\n   fn f() {\n   }\n   ```\n";
    assert_eq!(classroom::book::dedent_code_blocks(chapter), expected);
}

/// Every lesson chapter has "Where this goes in socketserver" just before its
/// exercises (the last section when it has none): the lesson's diagram
/// (`diagrams/lesson-NN.svg`, made from the crate by `socketserver/tests/diagrams.rs`)
/// and the growing table, up to its own row: the course's throughline, one row per
/// lesson, written once in `include/throughline.md`. By the crate's chapter, nothing
/// is new.
#[test]
fn every_lesson_chapter_says_where_it_goes_before_its_exercises() {
    let src = book_root().join("src");
    let table = fs::read_to_string(src.join("include/throughline.md")).unwrap();
    let mut problems = Vec::new();
    for chapter in classroom::book::chapters(&src) {
        let name = chapter.file_stem().unwrap().to_string_lossy().to_string();
        let Some(number) = name.strip_prefix("lesson-") else {
            continue;
        };
        let markdown = fs::read_to_string(&chapter).unwrap();
        problems.extend(where_it_goes_problems(&name, number, &markdown, &table));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What is wrong with a lesson chapter's "Where this goes in socketserver".
fn where_it_goes_problems(name: &str, number: &str, markdown: &str, table: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let sections: Vec<(&str, &str)> = markdown
        .split("\n## ")
        .skip(1)
        .map(|section| section.split_once('\n').unwrap_or((section, "")))
        .collect();
    let titles: Vec<&str> = sections.iter().map(|(title, _)| *title).collect();
    let Some(at) = titles
        .iter()
        .position(|title| *title == "Where this goes in socketserver")
    else {
        return vec![format!(
            "{name}: no \"Where this goes in socketserver\" section"
        )];
    };
    let next = titles.get(at + 1).copied();
    let in_place = if titles.contains(&"Exercises") {
        next == Some("Exercises")
    } else {
        next.is_none()
    };
    if !in_place {
        problems.push(format!(
            "{name}: \"Where this goes\" must come just before \"Exercises\" (or last)"
        ));
    }
    let body = sections[at].1;
    let diagram = format!("](diagrams/lesson-{number}.svg)");
    if !body.contains(&diagram) {
        problems.push(format!(
            "{name}: its \"Where this goes\" shows no {diagram}"
        ));
    }
    // The header, then rows 01..=N: the table ends at the lesson's own row.
    let rows: usize = number.parse().unwrap_or(0);
    let include = format!("{{{{#include include/throughline.md:1:{}}}}}", rows + 2);
    if !body.contains(&include) {
        problems.push(format!("{name}: its \"Where this goes\" lacks {include}"));
    }
    let own_row = table.lines().nth(rows + 1).unwrap_or("");
    if !own_row.starts_with(&format!("| {number} |")) {
        problems.push(format!(
            "{name}: line {} of the table is not its row",
            rows + 2
        ));
    }
    problems
}

#[test]
fn the_where_it_goes_check_catches_what_it_should() {
    let table = "| lesson | a | b | c |\n|---|---|---|---|\n| 01 | x | y | z |\n";
    let good = "# L\n\n## Run it\n\n## Where this goes in socketserver\n\n\
                ![d](diagrams/lesson-01.svg)\n\n{{#include include/throughline.md:1:3}}\n\n\
                ## Exercises\n\nx\n";
    assert_eq!(
        where_it_goes_problems("lesson-01", "01", good, table),
        Vec::<String>::new()
    );
    let after = "# L\n\n## Exercises\n\nx\n\n## Where this goes in socketserver\n\n\
                 ![d](diagrams/lesson-01.svg)\n\n{{#include include/throughline.md:1:3}}\n";
    assert_eq!(
        where_it_goes_problems("lesson-01", "01", after, table).len(),
        1
    );
    let bare = "# L\n\n## Where this goes in socketserver\n\nwords\n";
    let problems = where_it_goes_problems("lesson-01", "01", bare, table);
    assert!(
        problems.iter().any(|p| p.contains("shows no")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("lacks")), "{problems:?}");
    assert_eq!(
        where_it_goes_problems("lesson-01", "01", "# L\n", table).len(),
        1
    );
}

/// Every lesson chapter opens with what the student will learn and about how long it
/// takes, and ends with a summary: a chapter is one sitting, and says so.
#[test]
fn every_lesson_chapter_says_what_it_teaches_how_long_it_takes_and_sums_up() {
    let src = book_root().join("src");
    let mut problems = Vec::new();
    for chapter in classroom::book::chapters(&src) {
        let name = chapter.file_stem().unwrap().to_string_lossy().to_string();
        if !name.starts_with("lesson-") {
            continue;
        }
        let markdown = fs::read_to_string(&chapter).unwrap();
        let opening: String = markdown
            .lines()
            .skip(1)
            .take_while(|line| !line.starts_with("## "))
            .collect::<Vec<_>>()
            .join("\n");
        if !opening.contains("**In this chapter** you will") {
            problems.push(format!("{name}: does not open with what you will learn"));
        }
        let minutes = opening
            .split("**About ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok());
        if minutes.is_none() {
            problems.push(format!(
                "{name}: does not say how long it takes (**About N minutes**)"
            ));
        }
        let last = markdown.rsplit("\n## ").next().unwrap_or("");
        if !last.starts_with("Summary\n") {
            problems.push(format!("{name}: does not end with a Summary"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
