//! `socketserver` — Python's `socketserver` module, in Rust.
//!
//! This is where the lessons are heading. Lessons 01–05 build a socket server by hand,
//! step by step, the way the classic Python tutorial does; this crate is the
//! destination: `BaseServer`, `TCPServer`, `UDPServer`, the threading and forking
//! mixins, and the request handlers, with Python's multiple inheritance written out as
//! Rust trait composition.
//!
//! The crate is being built in the open (issue 3 of the project). Until then it is
//! deliberately empty: read the lessons first, they show every piece this crate will
//! package.
#![deny(missing_docs)]
