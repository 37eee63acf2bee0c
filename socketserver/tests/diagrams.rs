//! The book's diagrams, made from the crate itself so that they cannot go stale.
//!
//! - `book/src/diagrams/mro-*.svg`: Python's classes of a server, in `__mro__` order,
//!   beside the Rust layers that hold the same code, each with the hooks it answers,
//!   as the resolution inspector ([`socketserver::resolution`]) reports them for the
//!   real composed types: `ThreadingTCPServer`, `ForkingUDPServer`, and a user's own
//!   `class Audited(ThreadingMixIn, TCPServer)` written with `compose!`.
//! - `book/src/diagrams/lesson-NN.svg` and the throughline table
//!   `book/src/include/throughline.md`: for each lesson, what it wrote by hand, what
//!   Python's socketserver calls it, and the crate's piece that holds the same code;
//!   every crate piece named here must exist in the crate (`src/`), and every hook
//!   must be provided by the layer the row says.
//!
//! The files are compared with what this test makes; `UPDATE_DIAGRAMS=1 cargo test -p
//! socketserver --test diagrams` writes them (never under `CI=true`). Plain SVG, no
//! script, no web font, and narrow enough (at most 420 units wide) to be read on a
//! phone at 1:1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use socketserver::{
    Resolution, ServerCore, Stream, StreamRequestHandler, Tcp, ThreadingTCPServer, Threads,
    resolution,
};

#[derive(Default)]
struct Echo;

impl socketserver::RequestHandler for Echo {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = Vec::new();
        this.rfile.read_until(b'\n', &mut line)?;
        this.wfile.write_all(&line)
    }
}

#[cfg(unix)]
#[derive(Default)]
struct Packet;

#[cfg(unix)]
impl socketserver::RequestHandler for Packet {
    type Base = socketserver::DatagramRequestHandler;
    fn handle(&mut self, this: &mut socketserver::DatagramState) -> io::Result<()> {
        this.wfile.extend_from_slice(this.packet);
        Ok(())
    }
}

/// A user's own server: Python's `class Audited(ThreadingMixIn, TCPServer)` with its
/// own `verify_request`.
struct Audited {
    core: ServerCore<Tcp>,
    threads: Threads,
}

socketserver::compose! {
    impl BaseServer for Audited(ThreadingMixIn, TCPServer) {
        type Handler = Echo;

        fn verify_request(
            &self,
            _request: &socketserver::Request<Self>,
            _client_address: &socketserver::Address<Self>,
        ) -> bool {
            true
        }
    }
}

/// One lesson's row: what it wrote by hand, what Python's socketserver calls it, and
/// the crate's pieces (each a name that must exist in the crate: a type, a trait or a
/// method), with a sentence for the table.
struct Row {
    lesson: &'static str,
    wrote: &'static str,
    python: &'static str,
    crate_pieces: &'static [&'static str],
    crate_text: &'static str,
}

/// The course's throughline, one row per lesson: the single source of the table the
/// chapters include and of each lesson's diagram.
const ROWS: &[Row] = &[
    Row {
        lesson: "01",
        wrote: "`listen`: `TcpListener::bind` (socket, bind, listen)",
        python: "`TCPServer.__init__` calling `server_bind()` and `server_activate()`",
        crate_pieces: &["TCPServer", "server_bind", "server_activate"],
        crate_text: "`TCPServer::new`, calling the transport's `server_bind` and `server_activate`",
    },
    Row {
        lesson: "02",
        wrote: "`communication_loop`: read, reply, until the client is done",
        python: "the handler's `handle()`, with `self.request` and `self.client_address`",
        crate_pieces: &["RequestHandler", "handle", "StreamRequestHandler"],
        crate_text: "`RequestHandler::handle` on a `StreamRequestHandler`: `this.rfile`, `this.wfile`, `this.client_address`",
    },
    Row {
        lesson: "03",
        wrote: "`serve_forever`: accept, serve to the end, accept again",
        python: "`serve_forever()` calling `get_request()` and `process_request()`",
        crate_pieces: &["serve_forever", "get_request", "process_request"],
        crate_text: "`BaseServer::serve_forever`, calling the hooks `get_request` and `process_request`",
    },
    Row {
        lesson: "04",
        wrote: "`spawn` a thread per client; on Ctrl-C, close connections and `join`",
        python: "`ThreadingMixIn.process_request`; `server_close()` with `block_on_close`",
        crate_pieces: &[
            "ThreadingMixIn",
            "process_request",
            "server_close",
            "set_block_on_close",
        ],
        crate_text: "the trait `ThreadingMixIn`: its `process_request`, and its `server_close` (see `set_block_on_close`)",
    },
    Row {
        lesson: "05",
        wrote: "the event loop: `wait` on a selector, call each ready socket's callback",
        python: "`serve_forever()` waiting in `selector.select(poll_interval)`, on the listener only; `shutdown()` getting in when it times out (the crate's wakes it)",
        crate_pieces: &["serve_forever", "shutdown", "service_actions"],
        crate_text: "`BaseServer::serve_forever` on a selector, woken by `shutdown`; `service_actions` each turn",
    },
    Row {
        lesson: "06",
        wrote: "`Upper::handle`: read lines from `rfile`, write replies to `wfile`; `--mode` picks the server",
        python: "`StreamRequestHandler` and its `handle()`; `TCPServer`, `ThreadingTCPServer`, `ForkingTCPServer`",
        crate_pieces: &[
            "StreamRequestHandler",
            "ThreadingTCPServer",
            "ForkingTCPServer",
        ],
        crate_text: "`StreamRequestHandler`; the composed types `TCPServer`, `ThreadingTCPServer`, `ForkingTCPServer`",
    },
    Row {
        lesson: "07",
        wrote: "`Upper::handle`: read the datagram from `rfile`, write the reply to `wfile`",
        python: "`UDPServer.get_request()` returning `(data, socket)`; `DatagramRequestHandler`, whose `finish()` calls `sendto`",
        crate_pieces: &["UDPServer", "DatagramRequestHandler", "get_request"],
        crate_text: "`UDPServer`, on the transport `Udp` (its `get_request`); `DatagramRequestHandler`, which sends `wfile` when the handler finishes",
    },
    Row {
        lesson: "08",
        wrote: "`converse`: read a frame from `rfile` with a decoder that checks every length, write a frame to `wfile`",
        python: "nothing: the handler's `handle()` does it, on top of `rfile` and `wfile`",
        crate_pieces: &["handle", "SocketWriter"],
        crate_text: "nothing new: your `handle`, on `rfile` (buffered) and `wfile` (a `SocketWriter`, Python's `sendall`)",
    },
    Row {
        lesson: "09",
        wrote: "`Connection` and its `Stage`: one client's transfer, moved on a step per turn of the loop",
        python: "a handler instance per request: its attributes are that connection's state",
        crate_pieces: &["RequestHandler", "setup", "finish"],
        crate_text: "a `RequestHandler` value per request: `setup`, `handle`, `finish` share its fields",
    },
];

/// The workspace's `book/src`.
fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src")
}

/// Compares `path` with `made`; writes it when `UPDATE_DIAGRAMS` is set (never in CI).
/// Returns a problem if they differ.
fn keep(path: &Path, made: &str) -> Option<String> {
    let current = fs::read_to_string(path).unwrap_or_default();
    if current == made {
        return None;
    }
    let update = std::env::var_os("UPDATE_DIAGRAMS").is_some()
        && std::env::var("CI").map_or(true, |ci| ci != "true");
    if update {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, made).unwrap();
        return None;
    }
    Some(format!(
        "{} is not what the crate makes it: run `UPDATE_DIAGRAMS=1 cargo test -p socketserver --test diagrams`, then read the diff",
        path.display()
    ))
}

/// `text` made safe for SVG text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Rust construct that holds a layer's code, for the right-hand column: its lines
/// (a long `impl` takes two).
fn rust_layer(layer: &str, first: bool, udp: bool) -> Vec<String> {
    match layer {
        // Python's UDPServer derives from TCPServer; the crate's Udp does not.
        "TCPServer" if udp => vec![
            "(transport Udp holds".to_string(),
            "what UDP keeps of it)".to_string(),
        ],
        _ if first => vec!["impl BaseServer for".to_string(), layer.to_string()],
        "BaseServer" => vec!["trait BaseServer".to_string(), "(its defaults)".to_string()],
        "TCPServer" => vec!["transport Tcp".to_string()],
        "UDPServer" => vec!["transport Udp".to_string()],
        "object" => vec![
            "(no root type: Rust".to_string(),
            "has no inheritance)".to_string(),
        ],
        mixin => vec![format!("trait {mixin}")],
    }
}

/// Python's `__mro__` beside the Rust layers, with the hooks each layer answers.
fn mro_svg(title: &str, resolution: &Resolution) -> String {
    const WIDTH: usize = 420;
    const COLUMN: usize = 196;
    const LINE: usize = 15;
    let layers: Vec<&str> = resolution.mro.iter().map(String::as_str).collect();
    let mut rows = Vec::new(); // (layer, hooks)
    for layer in &layers {
        let hooks: Vec<&str> = resolution
            .hooks
            .iter()
            .filter(|(_, provider)| provider == layer)
            .map(|(hook, _)| *hook)
            .collect();
        rows.push((*layer, hooks));
    }
    // Python's `__mro__` ends with `object`, which no layer of the crate stands for.
    rows.push(("object", Vec::new()));
    let mut body = String::new();
    let mut y = 58;
    for (index, (layer, hooks)) in rows.iter().enumerate() {
        let sides = [
            (6, vec![(*layer).to_string()]),
            (
                WIDTH - COLUMN - 6,
                rust_layer(layer, index == 0, layers.contains(&"UDPServer")),
            ),
        ];
        // Both boxes of a row as tall as the taller, their hooks on the same lines.
        let name_lines = sides
            .iter()
            .map(|(_, names)| names.len())
            .max()
            .unwrap_or(1);
        let height = 11 + LINE * (name_lines + hooks.len().max(1));
        let first_hook = y + 17 + LINE * name_lines;
        for (x, names) in &sides {
            body.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{COLUMN}\" height=\"{height}\" rx=\"4\" class=\"box\"/>\n"
            ));
            for (n, name) in names.iter().enumerate() {
                body.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" class=\"name\">{}</text>\n",
                    x + 8,
                    y + 17 + LINE * n,
                    escape(name)
                ));
            }
            if hooks.is_empty() {
                body.push_str(&format!(
                    "<text x=\"{}\" y=\"{first_hook}\" class=\"none\">(no hook of its own)</text>\n",
                    x + 8,
                ));
            }
            for (n, hook) in hooks.iter().enumerate() {
                body.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" class=\"hook\">{hook}</text>\n",
                    x + 8,
                    first_hook + LINE * n
                ));
            }
        }
        // The two boxes hold the same code.
        body.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"same\"/>\n",
            6 + COLUMN,
            y + 12,
            WIDTH - COLUMN - 6,
            y + 12
        ));
        y += height;
        if index + 1 < rows.len() {
            // Next in __mro__: where Python looks next.
            body.push_str(&format!(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" class=\"next\"/>\n\
                 <path d=\"M{3} {4} L{0} {2} L{5} {4}\" class=\"next\"/>\n",
                6 + COLUMN / 2,
                y + 2,
                y + 16,
                6 + COLUMN / 2 - 4,
                y + 11,
                6 + COLUMN / 2 + 4
            ));
            y += 18;
        }
    }
    let height = y + 8;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{title}\">\n\
         <title>{title}</title>\n\
         <style>\n\
         text {{ font-family: monospace; font-size: 12px; fill: #222; }}\n\
         .head {{ font-weight: bold; font-size: 12px; }}\n\
         .name {{ font-weight: bold; }}\n\
         .none {{ fill: #777; font-style: italic; }}\n\
         .box {{ fill: #f6f6f6; stroke: #888; }}\n\
         .same {{ stroke: #999; stroke-dasharray: 3 3; }}\n\
         .next {{ stroke: #555; fill: none; }}\n\
         </style>\n\
         <text x=\"6\" y=\"20\" class=\"head\">Python: __mro__, in order</text>\n\
         <text x=\"6\" y=\"38\" class=\"none\">first with a method wins</text>\n\
         <text x=\"{}\" y=\"20\" class=\"head\">Rust: where the code is</text>\n\
         <text x=\"{}\" y=\"38\" class=\"none\">fixed at compile time</text>\n\
         {body}</svg>\n",
        WIDTH - COLUMN - 6,
        WIDTH - COLUMN - 6,
    )
}

/// A lesson's diagram: what it wrote, what Python calls it, the crate's piece.
fn lesson_svg(row: &Row) -> String {
    const WIDTH: usize = 420;
    let plain = |text: &str| text.replace('`', "");
    let boxes = [
        (format!("lesson {} wrote", row.lesson), plain(row.wrote)),
        ("Python's socketserver".to_string(), plain(row.python)),
        ("the socketserver crate".to_string(), plain(row.crate_text)),
    ];
    let mut body = String::new();
    let mut y = 6;
    for (index, (head, text)) in boxes.iter().enumerate() {
        let lines = wrap(text, 52);
        let height = 24 + 15 * lines.len();
        body.push_str(&format!(
            "<rect x=\"6\" y=\"{y}\" width=\"{}\" height=\"{height}\" rx=\"4\" class=\"box\"/>\n\
             <text x=\"14\" y=\"{}\" class=\"head\">{}</text>\n",
            WIDTH - 12,
            y + 16,
            escape(head)
        ));
        for (n, line) in lines.iter().enumerate() {
            body.push_str(&format!(
                "<text x=\"14\" y=\"{}\">{}</text>\n",
                y + 31 + 15 * n,
                escape(line)
            ));
        }
        y += height;
        if index + 1 < boxes.len() {
            body.push_str(&format!(
                "<line x1=\"210\" y1=\"{}\" x2=\"210\" y2=\"{}\" class=\"next\"/>\n\
                 <path d=\"M206 {} L210 {} L214 {}\" class=\"next\"/>\n",
                y + 2,
                y + 16,
                y + 11,
                y + 16,
                y + 11
            ));
            y += 18;
        }
    }
    let height = y + 6;
    let title = format!("Lesson {}: where this goes in socketserver", row.lesson);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{title}\">\n\
         <title>{title}</title>\n\
         <style>\n\
         text {{ font-family: monospace; font-size: 12px; fill: #222; }}\n\
         .head {{ font-weight: bold; }}\n\
         .box {{ fill: #f6f6f6; stroke: #888; }}\n\
         .next {{ stroke: #555; fill: none; }}\n\
         </style>\n\
         {body}</svg>\n"
    )
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The throughline table, as the chapters include it (row N of lesson N, from line 3).
fn throughline() -> String {
    let mut table = String::from(
        "| lesson | what we wrote by hand | what socketserver calls it | the crate's piece |\n\
         |---|---|---|---|\n",
    );
    for row in ROWS {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.lesson, row.wrote, row.python, row.crate_text
        ));
    }
    table
}

/// Whether the crate's source defines `name`: a type, trait, method or function.
fn crate_defines(sources: &str, name: &str) -> bool {
    [
        format!("fn {name}("),
        format!("fn {name}<"),
        format!("struct {name}"),
        format!("trait {name}"),
        format!("type {name}"),
        format!("enum {name}"),
    ]
    .iter()
    .any(|definition| sources.contains(definition.as_str()))
}

/// Every `.rs` file under the crate's `src/`, as one text.
fn crate_sources() -> String {
    let mut text = String::new();
    let mut pending = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                text.push_str(&fs::read_to_string(path).unwrap());
            }
        }
    }
    text
}

#[test]
fn the_mro_diagrams_are_the_inspectors() {
    let diagrams = book_src().join("diagrams");
    let mut problems = Vec::new();
    let mut made = vec![
        (
            "mro-threadingtcpserver.svg",
            mro_svg(
                "ThreadingTCPServer: Python's classes beside the crate's layers",
                &resolution::<ThreadingTCPServer<Echo>>(),
            ),
        ),
        (
            "mro-audited.svg",
            mro_svg(
                "A server of your own, Audited(ThreadingMixIn, TCPServer): Python's classes beside the crate's layers",
                &resolution::<Audited>(),
            ),
        ),
    ];
    #[cfg(unix)]
    made.push((
        "mro-forkingudpserver.svg",
        mro_svg(
            "ForkingUDPServer: Python's classes beside the crate's layers",
            &resolution::<socketserver::ForkingUDPServer<Packet>>(),
        ),
    ));
    for (name, svg) in &made {
        // What the picture says is what the inspector says: every hook, in its layer.
        assert!(
            svg.contains("<svg") && svg.contains("serve_forever"),
            "{name}"
        );
        problems.extend(keep(&diagrams.join(name), svg));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_lesson_has_its_row_and_diagram_and_names_only_what_the_crate_has() {
    let sources = crate_sources();
    let threading = resolution::<ThreadingTCPServer<Echo>>();
    let mut problems = Vec::new();
    for row in ROWS {
        for piece in row.crate_pieces {
            if !crate_defines(&sources, piece) {
                problems.push(format!(
                    "lesson {}: the crate has no `{piece}` (socketserver/src)",
                    row.lesson
                ));
            }
            assert!(
                row.crate_text.contains(piece),
                "lesson {}: the row's text does not name {piece}",
                row.lesson
            );
        }
        let svg = lesson_svg(row);
        problems.extend(keep(
            &book_src().join(format!("diagrams/lesson-{}.svg", row.lesson)),
            &svg,
        ));
    }
    // The rows that name a mixin's hook say where the inspector puts it.
    assert_eq!(
        threading.provider("process_request"),
        Some("ThreadingMixIn")
    );
    assert_eq!(threading.provider("server_close"), Some("ThreadingMixIn"));
    assert_eq!(threading.provider("serve_forever"), Some("BaseServer"));
    assert_eq!(threading.provider("get_request"), Some("TCPServer"));
    problems.extend(keep(
        &book_src().join("include/throughline.md"),
        &throughline(),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn text_wraps_between_words() {
    assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
    assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
}
