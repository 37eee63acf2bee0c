//! The book: build it with mdBook (as a library), and check what mdBook does not.
//!
//! mdBook is forgiving where a course must not be: an `{{#include file:anchor}}` whose
//! anchor is gone includes nothing and the build only warns, a link to a renamed
//! heading is silently dead, a chapter file left out of `SUMMARY.md` is never shown.
//! [`source_problems`] checks the Markdown (every include resolves, every chapter and
//! every lesson is in the summary); [`build`] renders the HTML into a directory of
//! your choice; [`built_problems`] checks the result (no directive left unexpanded,
//! every internal link and `#fragment` lands, a glossary link among them, every
//! glossary term has an anchor, no included code keeps a margin). The book test runs
//! all three, and `cargo run -p classroom -- book` builds the book for readers without
//! mdBook.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::workspace_root;

/// The book's root (where `book.toml` is).
pub fn book_root() -> PathBuf {
    workspace_root().join("book")
}

/// Renders the book as HTML into `out` (created if missing), with the book's own
/// step, [`Dedent`], after mdBook's includes. Errors are mdBook's, as text.
pub fn build(out: &Path) -> Result<(), String> {
    let mut book = mdbook_driver::MDBook::load(book_root()).map_err(|e| format!("{e:#}"))?;
    book.config.build.build_dir = out.to_path_buf();
    book.with_preprocessor(Dedent);
    book.build().map_err(|e| format!("{e:#}"))
}

/// The book's own preprocessor, run after mdBook's (which expand the includes): every
/// Rust and Python code block loses the indentation all its lines share.
///
/// An anchor inside a `class` or an `impl` (a method) includes the method as it
/// stands in its file, four spaces in, and mdBook has no way to dedent an include:
/// the book would show every method with a margin, which costs a narrow screen
/// four columns of every line. The file stays as it is; only the book's copy moves
/// left, and [`built_problems`] fails on a block that is still indented as a whole.
pub struct Dedent;

impl mdbook_preprocessor::Preprocessor for Dedent {
    fn name(&self) -> &str {
        "socketserver-dedent"
    }

    fn run(
        &self,
        _context: &mdbook_preprocessor::PreprocessorContext,
        mut book: mdbook_driver::book::Book,
    ) -> mdbook_driver::errors::Result<mdbook_driver::book::Book> {
        book.for_each_chapter_mut(|chapter| chapter.content = dedent_code_blocks(&chapter.content));
        Ok(book)
    }
}

/// `markdown` with every Rust and Python fenced block's common indentation removed,
/// and every line of the block put at the fence's indentation (so that a block in a
/// list item stays in it).
pub fn dedent_code_blocks(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // Inside a Rust or Python block: the fence's indentation, and the lines so far.
    let mut block: Option<(usize, Vec<&str>)> = None;
    for line in markdown.split('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let is_fence = trimmed.starts_with("```");
        match &mut block {
            Some((fence_indent, lines)) if is_fence => {
                // The block is an include (pasted code is refused), and mdBook indents
                // only an include's first line, where its directive stood: that line
                // loses the fence's indentation, the others have none of it.
                let fence_indent = *fence_indent;
                let lines: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| {
                        if i == 0 {
                            strip_spaces(line, fence_indent)
                        } else {
                            line
                        }
                    })
                    .collect();
                let common = lines
                    .iter()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| line.len() - line.trim_start_matches(' ').len())
                    .min()
                    .unwrap_or(0);
                // Each line at the fence's own indentation: an include in a list item
                // stays in the item (mdBook puts its lines after the first at column 0,
                // which would end the list, and the block with it).
                let margin = " ".repeat(fence_indent);
                out.extend(lines.iter().map(|line| match strip_spaces(line, common) {
                    "" => String::new(),
                    line => format!("{margin}{line}"),
                }));
                out.push(line.to_string());
                block = None;
            }
            Some((_, lines)) => lines.push(line),
            None => {
                if is_fence {
                    let info = trimmed.trim_start_matches('`');
                    let language = info.split([',', ' ']).next().unwrap_or("");
                    if matches!(language, "rust" | "python" | "py") {
                        block = Some((indent, Vec::new()));
                    }
                }
                out.push(line.to_string());
            }
        }
    }
    // A block left open runs to the end of the chapter: keep it as it was.
    if let Some((_, lines)) = block {
        out.extend(lines.iter().map(|line| line.to_string()));
    }
    out.join("\n")
}

/// `line` without up to `count` leading spaces.
fn strip_spaces(line: &str, count: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(count)..]
}

// ---- The Markdown sources ----

/// The chapter files in `book/src`, sorted.
pub fn chapters(src: &Path) -> Vec<PathBuf> {
    let mut chapters: Vec<PathBuf> = fs::read_dir(src)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
                .collect()
        })
        .unwrap_or_default();
    chapters.sort();
    chapters
}

/// Every `{{#...}}` directive of a Markdown text, without the braces.
pub fn directives(markdown: &str) -> Vec<&str> {
    markdown
        .split("{{#")
        .skip(1)
        .map(|rest| rest.split("}}").next().unwrap_or(rest).trim())
        .collect()
}

/// What is wrong with the sources in `src` (a book's `src` directory) for a
/// workspace whose lessons are in `lessons`: each problem as a line.
pub fn source_problems(src: &Path, lessons: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
    for chapter in chapters(src) {
        let name = file_name(&chapter);
        if name != "SUMMARY.md" && !summary.contains(&format!("({name})")) {
            problems.push(format!("{name} is not in SUMMARY.md"));
        }
        let markdown = fs::read_to_string(&chapter).unwrap_or_default();
        for directive in directives(&markdown) {
            let (command, argument) = directive.split_once(' ').unwrap_or((directive, ""));
            let problem = match command {
                "include" | "rustdoc_include" => check_include(&chapter, argument.trim()),
                _ => Some("unknown directive".to_string()),
            };
            if let Some(problem) = problem {
                problems.push(format!("{name}: {{{{#{directive}}}}}: {problem}"));
            }
        }
        for line in pasted_code(&markdown) {
            problems.push(format!(
                "{name}: pasted code (include it from a tested file): {line}"
            ));
        }
    }
    let mut lesson_names: Vec<String> = fs::read_dir(lessons)
        .map(|entries| entries.flatten().map(|e| file_name(&e.path())).collect())
        .unwrap_or_default();
    lesson_names.sort();
    for lesson in lesson_names {
        let chapter = format!("{lesson}.md");
        if !src.join(&chapter).exists() {
            problems.push(format!("{lesson} has no chapter book/src/{chapter}"));
        }
    }
    problems
}

/// The lines of Rust or Python code blocks that are not `{{#include ...}}`
/// directives. The book's code is included from files the tests compile and run,
/// never pasted, so that it cannot drift from them. (`text` blocks, for terminal
/// sessions and diagrams, may be written in the chapter.)
pub fn pasted_code(markdown: &str) -> Vec<&str> {
    let mut pasted = Vec::new();
    let mut fence: Option<bool> = None; // inside a block: is it Rust or Python?
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => {
                    let language = info.split([',', ' ']).next().unwrap_or("");
                    Some(matches!(language, "rust" | "python" | "py"))
                }
            };
            continue;
        }
        if fence == Some(true) && !trimmed.is_empty() && !trimmed.starts_with("{{#include") {
            pasted.push(line);
        }
    }
    pasted
}

/// Checks one `include PATH[:ANCHOR | :START:END]` directive; returns what is wrong.
pub fn check_include(chapter: &Path, argument: &str) -> Option<String> {
    let (path, selector) = match argument.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (argument, None),
    };
    let file = chapter.parent().unwrap_or(Path::new(".")).join(path);
    let Ok(text) = fs::read_to_string(&file) else {
        return Some(format!("{path}: no such file"));
    };
    let selector = selector?;
    let is_line_range = selector
        .split(':')
        .all(|part| part.chars().all(|c| c.is_ascii_digit()));
    if is_line_range {
        let lines: Vec<&str> = text.lines().collect();
        let numbers: Vec<usize> = selector.split(':').filter_map(|n| n.parse().ok()).collect();
        if numbers.iter().any(|&n| n > lines.len()) {
            return Some(format!("{path}: past its end"));
        }
        // An insta snapshot is included from just after its header, which ends with
        // `---`: if the header grows or shrinks, say so instead of showing it or
        // dropping a line of the output.
        let first_line = numbers.first().copied().unwrap_or(1);
        if path.ends_with(".snap") && lines.get(first_line.wrapping_sub(2)) != Some(&"---") {
            return Some(format!(
                "{path}: line {first_line} is not the first after the header"
            ));
        }
        return None;
    }
    let has_marker = |marker: &str| {
        text.lines().any(|line| {
            line.split_once(marker)
                .is_some_and(|(_, name)| name.trim() == selector)
        })
    };
    if !has_marker("ANCHOR:") || !has_marker("ANCHOR_END:") {
        return Some(format!("{path}: no anchor `{selector}`"));
    }
    None
}

// ---- The rendered HTML ----

/// What is wrong with a rendered book in `out`: a `{{#` left in a page, or an
/// internal link whose file or `#fragment` does not exist. Each problem as a line.
pub fn built_problems(out: &Path) -> Vec<String> {
    let pages = html_pages(out);
    let mut ids: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    for page in pages {
        let html = fs::read_to_string(&page).unwrap_or_default();
        ids.insert(
            page.clone(),
            attribute_values(&html, "id").into_iter().collect(),
        );
        texts.push((page, html));
    }
    let mut problems = Vec::new();
    for (page, html) in &texts {
        let shown = page.strip_prefix(out).unwrap_or(page).display().to_string();
        // print.html repeats every chapter (checking the chapters is enough), and
        // 404.html is mdBook's own, linking to the site's root.
        if shown == "print.html" || shown == "404.html" {
            continue;
        }
        if html.contains("{{#") {
            problems.push(format!("{shown}: a directive was left unexpanded"));
        }
        for href in attribute_values(html, "href") {
            if let Some(problem) = check_link(out, page, &href, &ids) {
                problems.push(format!("{shown}: link `{href}`: {problem}"));
            }
        }
        // Images (the diagrams): the file must be in the built book.
        for source in attribute_values(html, "src") {
            if source.ends_with(".svg") && !source.contains("://") {
                let file = page.parent().unwrap_or(out).join(&source);
                if !file.exists() {
                    problems.push(format!("{shown}: image `{source}`: no such file"));
                }
            }
        }
        if shown == "glossary.html" {
            for problem in glossary_problems(html) {
                problems.push(format!("{shown}: {problem}"));
            }
        }
        for first_line in indented_code_blocks(html) {
            problems.push(format!(
                "{shown}: a code block is indented as a whole (is `Dedent` on?): {first_line}"
            ));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// What is wrong with the glossary's page: every term (a `<dt>`, from a Markdown
/// definition list, `**term**` then `: definition`) must have an anchor of its own,
/// which chapters link to as `glossary.md#id`, and every definition (`<dd>`) must link
/// to the chapter that explains more. mdBook gives each `<dt>` an id made from its
/// text; two terms that make the same id get `id` and `id-1`, and a link to `#id-1`
/// would break the day the first is renamed, so that is a problem too. A term written
/// as a paragraph of its own (`**term**` with no `: ` line after it) is no `<dt>`, and
/// has no anchor.
pub fn glossary_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let all_ids: HashSet<String> = attribute_values(html, "id").into_iter().collect();
    let mut seen = HashSet::new();
    for (at, _) in html.match_indices("<dt") {
        let rest = &html[at..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let term = rest
            .find("</dt>")
            .map(|end| without_tags(&rest[..end]))
            .unwrap_or_default();
        let term = term.trim();
        let id = attribute_values(&format!("{tag}>"), "id")
            .into_iter()
            .next()
            .unwrap_or_default();
        if id.is_empty() {
            problems.push(format!("the term `{term}` has no anchor"));
            continue;
        }
        if !seen.insert(id.clone()) {
            problems.push(format!("two terms have the anchor `#{id}`"));
        }
        if let Some((base, number)) = id.rsplit_once('-')
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
            && all_ids.contains(base)
        {
            problems.push(format!(
                "the term `{term}` has the anchor `#{id}`: another term or heading makes `#{base}`"
            ));
        }
    }
    for (at, _) in html.match_indices("<dd>") {
        let rest = &html[at..];
        let definition = &rest[..rest.find("</dd>").unwrap_or(rest.len())];
        if !definition.contains("href=\"") {
            let text = without_tags(definition);
            let start: String = text.trim().chars().take(50).collect();
            problems.push(format!(
                "a definition links to no chapter that explains more: {start}..."
            ));
        }
    }
    for (at, _) in html.match_indices("<p><strong>") {
        let rest = &html[at..];
        let paragraph = &rest[..rest.find("</p>").unwrap_or(rest.len())];
        if paragraph.ends_with("</strong>") {
            problems.push(format!(
                "`{}` is a paragraph, not a term (write `**term**` then a line `: definition`): it has no anchor",
                without_tags(paragraph).trim()
            ));
        }
    }
    problems
}

/// The first line of every Rust or Python code block of `html` whose lines all start
/// with a space: an include from inside a `class` or an `impl`, not dedented.
fn indented_code_blocks(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in html.match_indices("<pre><code class=\"language-") {
        let rest = &html[at..];
        let language = rest["<pre><code class=\"language-".len()..]
            .split(['"', ' '])
            .next()
            .unwrap_or("");
        if !matches!(language, "rust" | "python" | "py") {
            continue;
        }
        let Some(start) = rest.find('>').and_then(|first| {
            rest[first + 1..]
                .find('>')
                .map(|second| first + 1 + second + 1)
        }) else {
            continue;
        };
        let code = &rest[start..];
        let code = &code[..code.find("</code>").unwrap_or(code.len())];
        let text = without_tags(code);
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        if !lines.is_empty() && lines.iter().all(|line| line.starts_with(' ')) {
            found.push(lines[0].trim().to_string());
        }
    }
    found
}

/// `html` without its tags (`<span class="boring">` and the like).
fn without_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Every `.html` file under `dir`.
fn html_pages(dir: &Path) -> Vec<PathBuf> {
    let mut pages = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// The values of every `name="..."` attribute in `html`, unescaped.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.split('"').next().unwrap_or("").replace("&amp;", "&")
        })
        .collect()
}

/// Whether an `href` on `page` lands: a file that exists and, if it names one, a
/// fragment that is an `id` on the target page. External links are not followed.
fn check_link(
    out: &Path,
    page: &Path,
    href: &str,
    ids: &HashMap<PathBuf, HashSet<String>>,
) -> Option<String> {
    let external = ["http://", "https://", "mailto:", "javascript:", "data:"];
    if href.is_empty() || external.iter().any(|scheme| href.starts_with(scheme)) {
        return None;
    }
    let (file, fragment) = match href.split_once('#') {
        Some((file, fragment)) => (file, Some(fragment)),
        None => (href, None),
    };
    let file = file.split('?').next().unwrap_or(file);
    let target = if file.is_empty() {
        page.to_path_buf()
    } else {
        normalize(&page.parent().unwrap_or(out).join(file))
    };
    if !target.starts_with(out) {
        return Some("leaves the book".to_string());
    }
    if !target.exists() {
        return Some("no such page".to_string());
    }
    let fragment = fragment.filter(|fragment| !fragment.is_empty())?;
    let target_ids = ids.get(&target)?;
    if target_ids.contains(fragment) {
        None
    } else {
        Some(format!("no `#{fragment}` on that page"))
    }
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default()
}
