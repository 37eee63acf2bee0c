//! The resolution inspector: Python's `__mro__`, plus "which class defines this
//! method", for a composed server.
//!
//! In Python you can ask `ThreadingTCPServer.__mro__` and, for each method, which
//! class in that order defines it first. Rust resolves the same calls at compile
//! time, in each composed type's `impl BaseServer`. Each composed type also states
//! what it did, next to that `impl` ([`BaseServer::mro`] and
//! [`BaseServer::OVERRIDES`]); [`resolution`] turns them into the table, and the
//! crate's tests run real requests with [`ServerCore::record_hooks`] on to check that
//! every hook really ran in the layer the table names.
//!
//! [`ServerCore::record_hooks`]: crate::ServerCore::record_hooks

use std::fmt;

use crate::server::BaseServer;
use crate::transport::Transport;

/// The hooks of [`BaseServer`], in the order a request meets them, and the layer that
/// provides each one when no mixin or override replaces it.
const HOOKS: &[(&str, Default)] = &[
    ("serve_forever", Default::Base),
    ("handle_request", Default::Base),
    ("get_request", Default::Transport),
    ("verify_request", Default::Base),
    ("process_request", Default::Base),
    ("finish_request", Default::Base),
    ("shutdown_request", Default::Transport),
    ("close_request", Default::Transport),
    ("handle_error", Default::Base),
    ("handle_timeout", Default::Base),
    ("service_actions", Default::Base),
    ("server_close", Default::Transport),
    ("shutdown", Default::Base),
];

#[derive(Clone, Copy)]
enum Default {
    /// Defined in Python's `BaseServer`.
    Base,
    /// Defined (again) in Python's `TCPServer` or `UDPServer`.
    Transport,
}

/// How a composed server resolves each hook: what [`resolution`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
/// It prints as the inspector's table:
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// let table = resolution::<ThreadingTCPServer<Upper>>().to_string();
/// assert!(table.contains("process_request"));
/// println!("{table}");
/// ```
pub struct Resolution {
    /// Python's `__mro__`, the type itself first, without the `object` that ends
    /// every Python class's: it provides none of the hooks, and no layer of the crate
    /// stands for it. The printed table ends the MRO with it, as Python prints it.
    pub mro: Vec<String>,
    /// For each hook, the layer that provides it.
    pub hooks: Vec<(&'static str, &'static str)>,
}

impl Resolution {
    /// The layer that provides `hook`, if it is one of [`BaseServer`]'s hooks.
    pub fn provider(&self, hook: &str) -> Option<&'static str> {
        self.hooks
            .iter()
            .find(|(name, _)| *name == hook)
            .map(|(_, layer)| *layer)
    }
}

/// The resolution of server type `S`: its MRO, and for each hook the layer that
/// provides it.
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// let threading = resolution::<ThreadingTCPServer<Upper>>();
/// assert_eq!(threading.mro, ["ThreadingTCPServer", "ThreadingMixIn", "TCPServer", "BaseServer"]);
/// assert_eq!(threading.provider("process_request"), Some("ThreadingMixIn"));
/// assert_eq!(threading.provider("get_request"), Some("TCPServer"));
/// assert_eq!(threading.provider("verify_request"), Some("BaseServer"));
/// ```
// ANCHOR: resolution
pub fn resolution<S: BaseServer>() -> Resolution {
    let hooks = HOOKS
        .iter()
        .map(|&(hook, default)| {
            let overridden = S::OVERRIDES.iter().find(|(name, _)| *name == hook);
            let layer = match (overridden, default) {
                (Some(&(_, layer)), _) => layer,
                (None, Default::Transport) => <S::Transport as Transport>::layer_of(hook),
                (None, Default::Base) => "BaseServer",
            };
            (hook, layer)
        })
        .collect();
    Resolution {
        mro: S::mro(),
        hooks,
    }
}
// ANCHOR_END: resolution

impl fmt::Display for Resolution {
    /// The table the book and `lesson-06 --explain` show.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = self.mro.first().map_or("?", String::as_str);
        // Python's `__mro__` ends with `object`, whose methods are none of the hooks.
        writeln!(f, "{class}.__mro__: {} -> object", self.mro.join(" -> "))?;
        writeln!(f)?;
        writeln!(f, "{:<18} provided by", "hook")?;
        for (hook, layer) in &self.hooks {
            writeln!(f, "{hook:<18} {layer}")?;
        }
        Ok(())
    }
}
