//! The protocol's pieces, tested one by one.
