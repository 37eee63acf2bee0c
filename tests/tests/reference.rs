//! The book's reference chapter, `book/src/reference.md`, cannot fall behind Python
//! or the crate.
//!
//! **Python's side.** A small script asks `python3` for every class in
//! `socketserver.__all__` (in the order the module defines them), its MRO, and its
//! public names: for each class of its MRO but `object`, what the class's own body
//! defines (`vars()`) and the attributes its methods assign on `self`
//! (`self.rfile = ...`, found with `ast`), without `_private` names and dunders
//! other than `__enter__`/`__exit__`. The chapter must then have:
//!
//! - for each class, one section headed `` ## `Class` ``, in the module's order, and
//!   none for a class Python does not have;
//! - in that section's table, a row for the class itself, and a row for each of its
//!   names, the name being the first `` `code` `` of the row's first cell. A name the
//!   class inherits may instead be found through a row whose first cell begins
//!   "inherited from" and names the rest of the class's MRO, in order: the name must
//!   then have a row in one of those classes' tables (the reader takes the first,
//!   as Python's MRO does). That row must name exactly the MRO, so it cannot send
//!   the reader to the wrong tables;
//! - no row for a name the class does not have (a misspelt or invented name).
//!
//! **The crate's side.** In the second (Rust) column of every table, each
//! `` `code` `` span is read as Rust, with `socketserver::` dropped, and checked
//! against the declarations in `socketserver/src` (comment lines ignored):
//!
//! - a capitalised name that starts a path and is not called (`TcpOptions`,
//!   `Threading<Tcp, H>`): a `pub struct`, `pub trait`, `pub type` or `pub enum` of
//!   that name, or a `const` if it is in capitals (`TIMEOUT`);
//! - what follows such a name after `::`: a `fn` of that name if it is in lower case
//!   (`BaseServer::serve_forever`), else an associated `type`, a `const` or an enum
//!   variant (`BaseServer::Handler`);
//! - a name after `.`: a `fn` if it is called (`.threads_mut()`), else a `pub` field
//!   (`this.rfile`);
//! - a lower-case name called on its own (`closing(server)`): a `fn`;
//! - a span that is a single lower-case name (`request_queue_size`): a `fn`, a `pub`
//!   field or a `const`.
//!
//! Skipped: one-letter names (generic parameters: `S`, `H`, `T`), the Rust prelude
//! (`Option`, `Drop`, ...), the standard-library types the chapter names bare
//! (`STD`), paths that start in lower case (`std::net::TcpStream`), and members
//! reached through a generic argument list (`TCPServer::<H>::new`).
//!
//! Limits: a name counts as declared if it is declared *anywhere* in the crate's
//! sources: the checker does not know that `daemon_threads` is a field of `Threads`
//! and not of `Children`, nor any signature. The third column is prose and is not
//! checked. Python's names are those of the `python3` on the PATH (the chapter is
//! written for 3.11); a newer Python with new names fails this test until the
//! chapter has them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::fs;

use classroom::workspace_root;

/// Prints each class as `Class Base ...` (its MRO without `object`), in the order the
/// module defines them, then each of its public names as `Class.name`.
const PYTHON: &str = r#"
import ast, inspect, socketserver, textwrap

def public(name):
    return not name.startswith("_") or name in ("__enter__", "__exit__")

def defined(cls):
    """What the class's own body defines, and what its methods assign on self."""
    names = set(vars(cls))
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(cls)))):
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        else:
            continue
        while targets:
            target = targets.pop()
            if isinstance(target, (ast.Tuple, ast.List)):
                targets.extend(target.elts)
            elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                  and target.value.id == "self"):
                names.add(target.attr)
    return {name for name in names if public(name)}

classes = [getattr(socketserver, name) for name in socketserver.__all__]
classes.sort(key=lambda cls: inspect.getsourcelines(cls)[1])
for cls in classes:
    mro = [c for c in cls.__mro__ if c is not object]
    print(" ".join(c.__name__ for c in mro))
    names = set()
    for c in mro:
        names |= defined(c)
    for name in sorted(names):
        print(f"{cls.__name__}.{name}")
"#;

/// Names of the Rust prelude, always in scope, never the crate's.
const PRELUDE: &[&str] = &[
    "Self", "Some", "None", "Ok", "Err", "Option", "Result", "Vec", "String", "Box", "Default",
    "Drop", "Send", "Sync", "Sized", "Clone", "drop",
];

/// Standard-library types the chapter names without their path.
const STD: &[&str] = &[
    "Duration",
    "TcpStream",
    "UdpSocket",
    "UnixStream",
    "UnixDatagram",
    "SocketAddr",
    "Arc",
    "BufReader",
    "BufWriter",
    "Cursor",
];

/// Lower-case path heads that are the standard library's.
const STD_PATHS: &[&str] = &["std", "core", "alloc", "io", "net", "crate"];

// ---- Python ----

/// A class of Python's `socketserver`.
#[derive(Debug, Clone, PartialEq)]
struct Class {
    name: String,
    /// The classes it inherits from, in MRO order, without itself and `object`.
    bases: Vec<String>,
    /// Its public names, its own and inherited.
    names: Vec<String>,
}

/// Reads the script's output: `Class Base ...` lines, each followed by its
/// `Class.name` lines.
fn parse_python(output: &str) -> Vec<Class> {
    let mut classes: Vec<Class> = Vec::new();
    for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some((class, name)) = line.split_once('.') {
            let owner = classes
                .iter_mut()
                .find(|c| c.name == class)
                .unwrap_or_else(|| panic!("`{line}` before its class"));
            owner.names.push(name.to_string());
        } else {
            let mut mro = line.split_whitespace().map(str::to_string);
            let name = mro.next().unwrap();
            classes.push(Class {
                name,
                bases: mro.collect(),
                names: Vec::new(),
            });
        }
    }
    classes
}

fn python_classes() -> Vec<Class> {
    let mut command = classroom::python3();
    command.arg("-c").arg(PYTHON);
    let output = classroom::run_with_timeout(command, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Python script failed:\n{}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let classes = parse_python(&stdout);
    assert!(
        classes.len() >= 10,
        "Python listed too few classes:\n{stdout}"
    );
    classes
}

// ---- The chapter ----

/// A table row: its line in the chapter, and its first two cells.
#[derive(Debug)]
struct Row {
    line: usize,
    python: String,
    rust: String,
}

impl Row {
    /// The classes an "inherited from" row names, or `None` for any other row.
    fn inherited_from(&self) -> Option<Vec<String>> {
        let text = self.python.replace('*', "");
        text.trim()
            .starts_with("inherited from")
            .then(|| code_spans(&text).into_iter().map(str::to_string).collect())
    }

    /// The name the row is for: the first `code` of its first cell.
    fn name(&self) -> Option<&str> {
        code_spans(&self.python).first().copied()
    }
}

/// A `## ` section and the rows of its tables. `class` is set when the heading is a
/// single `code` name.
#[derive(Debug)]
struct Section {
    class: Option<String>,
    rows: Vec<Row>,
}

impl Section {
    fn names(&self) -> HashSet<&str> {
        self.rows
            .iter()
            .filter(|row| row.inherited_from().is_none())
            .filter_map(Row::name)
            .collect()
    }
}

/// The `` `...` `` spans of a piece of Markdown.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The cells of a table line, trimmed.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

fn is_table(line: &str) -> bool {
    line.trim_start().starts_with('|')
}

fn is_separator(line: &str) -> bool {
    is_table(line)
        && cells(line)
            .iter()
            .all(|cell| !cell.is_empty() && cell.chars().all(|c| matches!(c, '-' | ':')))
}

/// The chapter's sections and their table rows (headers and separators left out).
fn sections(markdown: &str) -> Vec<Section> {
    let mut sections = vec![Section {
        class: None,
        rows: Vec::new(),
    }];
    let lines: Vec<&str> = markdown.lines().collect();
    let mut in_code = false;
    for (n, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if in_code {
        } else if let Some(heading) = line.strip_prefix("## ") {
            let heading = heading.trim();
            let spans = code_spans(heading);
            let class = (spans.len() == 1 && heading == format!("`{}`", spans[0]))
                .then(|| spans[0].to_string());
            sections.push(Section {
                class,
                rows: Vec::new(),
            });
        } else if is_table(line)
            && !is_separator(line)
            && !lines.get(n + 1).is_some_and(|next| is_separator(next))
        {
            let mut cells = cells(line).into_iter();
            let python = cells.next().unwrap_or_default();
            let rust = cells.next().unwrap_or_default();
            let section = sections.last_mut().unwrap();
            section.rows.push(Row {
                line: n + 1,
                python,
                rust,
            });
        }
    }
    sections
}

/// What the chapter lacks, or gets wrong, of Python's names: each problem a line.
fn python_problems(classes: &[Class], markdown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let sections = sections(markdown);
    let known: HashSet<&str> = classes.iter().map(|c| c.name.as_str()).collect();
    let mut tables: HashMap<&str, &Section> = HashMap::new();
    let mut order = Vec::new();
    for section in &sections {
        let Some(class) = section.class.as_deref() else {
            continue;
        };
        if !known.contains(class) {
            problems.push(format!(
                "section `{class}`: Python's socketserver has no such class"
            ));
        } else if tables.insert(class, section).is_some() {
            problems.push(format!("`{class}` has two sections"));
        } else {
            order.push(class);
        }
    }
    let expected: Vec<&str> = classes
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| tables.contains_key(name))
        .collect();
    if order != expected {
        problems.push(format!(
            "the class sections are not in the module's order: {}",
            expected.join(", ")
        ));
    }
    for class in classes {
        let name = class.name.as_str();
        let Some(table) = tables.get(name) else {
            problems.push(format!("`{name}` has no section `## `{name}``"));
            continue;
        };
        let own = table.names();
        if !own.contains(name) {
            problems.push(format!("`{name}` has no row for the class itself"));
        }
        let inherited = table.rows.iter().find_map(Row::inherited_from);
        if let Some(listed) = &inherited
            && *listed != class.bases
        {
            problems.push(format!(
                "`{name}`: the \"inherited from\" row names {listed:?}, its MRO is {:?}",
                class.bases
            ));
        }
        for row in &table.rows {
            let Some(row_name) = row.name() else {
                continue;
            };
            if row.inherited_from().is_none()
                && row_name != name
                && !class.names.iter().any(|n| n == row_name)
            {
                problems.push(format!(
                    "line {}: `{row_name}` is not a public name of `{name}`",
                    row.line
                ));
            }
        }
        for member in &class.names {
            if own.contains(member.as_str()) {
                continue;
            }
            let Some(listed) = &inherited else {
                let hint = if class.bases.is_empty() {
                    ""
                } else {
                    ", and no \"inherited from\" row"
                };
                problems.push(format!(
                    "`{name}.{member}`: no row in the table of `{name}`{hint}"
                ));
                continue;
            };
            let found = listed.iter().any(|base| {
                tables
                    .get(base.as_str())
                    .is_some_and(|t| t.names().contains(member.as_str()))
            });
            if !found {
                problems.push(format!(
                    "`{name}.{member}`: no row in the tables of `{name}` and `{}`",
                    listed.join("`, `")
                ));
            }
        }
    }
    problems
}

// ---- The crate ----

/// What the crate's sources declare.
#[derive(Debug, Default)]
struct Declarations {
    /// `pub struct|trait|type|enum X`.
    types: HashSet<String>,
    /// `fn x`, anywhere.
    fns: HashSet<String>,
    /// `pub x:`.
    fields: HashSet<String>,
    /// `const X`, associated `type X`, enum variants `X(...)` and `X,`.
    members: HashSet<String>,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text.chars().take_while(|&c| is_ident_char(c)).collect();
    (!ident.is_empty()).then_some(ident)
}

fn declarations(source: &str) -> Declarations {
    let mut found = Declarations::default();
    for line in source.lines().map(str::trim) {
        if line.starts_with("//") {
            continue;
        }
        for kind in ["pub struct ", "pub trait ", "pub type ", "pub enum "] {
            if let Some(name) = line.strip_prefix(kind).and_then(first_ident) {
                found.types.insert(name);
            }
        }
        if let Some(rest) = line.strip_prefix("pub ")
            && let Some(name) = first_ident(rest)
            && rest[name.len()..].starts_with(':')
        {
            found.fields.insert(name);
        }
        if line.starts_with(|c: char| c.is_ascii_uppercase())
            && let Some(name) = first_ident(line)
            && line[name.len()..].starts_with(['(', ','])
        {
            found.members.insert(name);
        }
        let words: Vec<&str> = line
            .split(|c: char| !is_ident_char(c))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            match pair[0] {
                "fn" => {
                    found.fns.insert(pair[1].to_string());
                }
                "const" | "type" => {
                    found.members.insert(pair[1].to_string());
                }
                _ => {}
            }
        }
    }
    found
}

fn crate_declarations() -> Declarations {
    let src = workspace_root().join("socketserver/src");
    let mut source = String::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            source.push_str(&fs::read_to_string(&path).unwrap());
            source.push('\n');
        }
    }
    declarations(&source)
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    Path,
    Dot,
    Call,
    Other,
}

fn tokens(code: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if is_ident_char(c) {
            let mut ident = c.to_string();
            while let Some(&next) = chars.peek().filter(|&&n| is_ident_char(n)) {
                ident.push(next);
                chars.next();
            }
            tokens.push(Token::Ident(ident));
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push(Token::Path);
        } else if c == '.' {
            tokens.push(Token::Dot);
        } else if c == '(' {
            tokens.push(Token::Call);
        } else if !c.is_whitespace() {
            tokens.push(Token::Other);
        }
    }
    tokens
}

/// The names in one `code` span of the Rust column that the crate does not declare.
fn unknown_in_span(span: &str, crate_names: &Declarations) -> Vec<String> {
    let code = span.replace("socketserver::", "");
    let tokens = tokens(&code);
    if let [Token::Ident(name)] = tokens.as_slice() {
        let lower = name.starts_with(|c: char| c.is_ascii_lowercase());
        if lower
            && !crate_names.fns.contains(name)
            && !crate_names.fields.contains(name)
            && !crate_names.members.contains(name)
        {
            return vec![name.clone()];
        }
    }
    let mut unknown = Vec::new();
    // Whether the current path starts with one of the crate's names.
    let mut crate_path = false;
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(name) = token else {
            continue;
        };
        let before = i.checked_sub(1).and_then(|p| tokens.get(p));
        let called = tokens.get(i + 1) == Some(&Token::Call);
        let upper = name.starts_with(|c: char| c.is_ascii_uppercase());
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let declared = match before {
            Some(Token::Path) if !crate_path => true,
            Some(Token::Path) if upper => crate_names.members.contains(name),
            Some(Token::Path) => crate_names.fns.contains(name),
            Some(Token::Dot) if called => crate_names.fns.contains(name),
            Some(Token::Dot) => crate_names.fields.contains(name),
            _ => {
                // The head of a path.
                crate_path = false;
                if PRELUDE.contains(&name.as_str()) || STD.contains(&name.as_str()) {
                    true
                } else if upper {
                    if name.len() == 1 || called {
                        true
                    } else {
                        crate_path = true;
                        if name.chars().all(|c| !c.is_ascii_lowercase()) {
                            crate_names.members.contains(name)
                        } else {
                            crate_names.types.contains(name)
                        }
                    }
                } else {
                    STD_PATHS.contains(&name.as_str()) || !called || crate_names.fns.contains(name)
                }
            }
        };
        if !declared {
            unknown.push(name.clone());
        }
    }
    unknown
}

/// The Rust names of the chapter's tables that the crate does not declare: each
/// problem a line.
fn rust_problems(markdown: &str, crate_names: &Declarations) -> Vec<String> {
    let mut problems = Vec::new();
    for section in sections(markdown) {
        for row in &section.rows {
            for span in code_spans(&row.rust) {
                for name in unknown_in_span(span, crate_names) {
                    problems.push(format!(
                        "line {}: `{name}` (in `{span}`) is not declared in socketserver/src",
                        row.line
                    ));
                }
            }
        }
    }
    problems
}

// ---- The tests ----

fn chapter() -> String {
    let path = workspace_root().join("book/src/reference.md");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_public_name_of_pythons_socketserver_has_its_row() {
    let problems = python_problems(&python_classes(), &chapter());
    assert!(
        problems.is_empty(),
        "book/src/reference.md, against Python's socketserver:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_rust_name_of_the_reference_is_the_crates() {
    let problems = rust_problems(&chapter(), &crate_declarations());
    assert!(
        problems.is_empty(),
        "book/src/reference.md, against the crate:\n{}",
        problems.join("\n")
    );
}

#[test]
fn pythons_answer_is_read_as_classes_and_names() {
    let classes = parse_python("Base\nBase.a\nChild Base\nChild.a\nChild.b\n");
    assert_eq!(
        classes,
        [
            Class {
                name: "Base".into(),
                bases: vec![],
                names: vec!["a".into()]
            },
            Class {
                name: "Child".into(),
                bases: vec!["Base".into()],
                names: vec!["a".into(), "b".into()]
            },
        ]
    );
}

#[test]
fn the_python_checker_reports_what_is_missing_or_wrong() {
    let classes = parse_python(
        "Base\nBase.a\nBase.b\n\
         Mixin\nMixin.m\n\
         Child Mixin Base\nChild.a\nChild.b\nChild.c\nChild.m\n\
         Orphan Base\nOrphan.a\nOrphan.b\n\
         Lost\n",
    );
    let markdown = "\
# Title

| not | a class | table |
|---|---|---|
| `zzz` | `Nothing` | ignored |

## `Base`

| Python | Rust | difference |
|---|---|---|
| `Base` | `Base` | |
| `a` | `a` | |
| `typo` | `x` | |

## `Child`

| Python | Rust | difference |
|---|---|---|
| `Child` | `Child` | |
| `c` | `c` | |
| **inherited from** `Base`, `Mixin` | | |

## `Mixin`

| Python | Rust | difference |
|---|---|---|
| `m` | `m` | |

```text
## `Ghost` in a code block is no section
```

## `Orphan`

| Python | Rust | difference |
|---|---|---|
| `Orphan` | `Orphan` | |

## `Ghost`
";
    let problems = python_problems(&classes, markdown);
    let expected = [
        "section `Ghost`: Python's socketserver has no such class",
        "the class sections are not in the module's order: Base, Mixin, Child, Orphan",
        "line 13: `typo` is not a public name of `Base`",
        "`Base.b`: no row in the table of `Base`",
        "`Mixin` has no row for the class itself",
        "`Child`: the \"inherited from\" row names [\"Base\", \"Mixin\"], its MRO is [\"Mixin\", \"Base\"]",
        "`Child.b`: no row in the tables of `Child` and `Base`, `Mixin`",
        "`Orphan.a`: no row in the table of `Orphan`, and no \"inherited from\" row",
        "`Orphan.b`: no row in the table of `Orphan`, and no \"inherited from\" row",
        "`Lost` has no section `## `Lost``",
    ];
    assert_eq!(problems, expected);
}

#[test]
fn the_rust_checker_reports_names_the_crate_does_not_declare() {
    let source = "\
/// pub struct OnlyInADocComment;
pub struct Server;
pub trait Hooks {
    type Handler;
    const TIMEOUT: u8 = 0;
    fn serve(&self) {}
}
pub struct Options {
    pub backlog: i32,
}
pub enum Failure {
    Io(u8),
}
pub(crate) struct Private;
pub fn closing() {}
";
    let crate_names = declarations(source);
    let markdown = "\
| Python | Rust | difference |
|---|---|---|
| `a` | `Server`, `Hooks::serve(x)`, `Hooks::Handler`, `Options`, field `backlog` | `Unchecked` |
| `b` | `socketserver::closing(server)`, `this.backlog`, `x.serve()`, `Failure::Io` | |
| `c` | `Option<Duration>`, `Server<H>`, `std::net::TcpStream::connect(a)`, `Some(x)` | |
| `d` | `Hooks::TIMEOUT`, `TIMEOUT`, `TCPServer::<H>::anything()`, `Private` | |
| `e` | `OnlyInADocComment`, `Hooks::missing()`, `Hooks::Missing`, `this.missing` | |
| `f` | `x.missing()`, `missing(x)`, `missing`, `MISSING`, `Gone<Server>` | |
";
    let problems = rust_problems(markdown, &crate_names);
    let expected = [
        "line 6: `TCPServer` (in `TCPServer::<H>::anything()`) is not declared in socketserver/src",
        "line 6: `Private` (in `Private`) is not declared in socketserver/src",
        "line 7: `OnlyInADocComment` (in `OnlyInADocComment`) is not declared in socketserver/src",
        "line 7: `missing` (in `Hooks::missing()`) is not declared in socketserver/src",
        "line 7: `Missing` (in `Hooks::Missing`) is not declared in socketserver/src",
        "line 7: `missing` (in `this.missing`) is not declared in socketserver/src",
        "line 8: `missing` (in `x.missing()`) is not declared in socketserver/src",
        "line 8: `missing` (in `missing(x)`) is not declared in socketserver/src",
        "line 8: `missing` (in `missing`) is not declared in socketserver/src",
        "line 8: `MISSING` (in `MISSING`) is not declared in socketserver/src",
        "line 8: `Gone` (in `Gone<Server>`) is not declared in socketserver/src",
    ];
    assert_eq!(problems, expected);
}
