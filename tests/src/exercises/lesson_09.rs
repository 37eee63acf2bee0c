//! Lesson 09's exercises: the file server's protocol grows, a `get` that resumes and a
//! `list` of what there is to get.
//!
//! The server serves a directory, so each check prepares one ([`Exercise::setup`]):
//! the files below, in `download/` of a fresh directory that the check passes as
//! `--root` and deletes afterwards. Every header ends with a newline, as our clients
//! send them, so that no header is ever read before it is whole (see lesson 09's
//! "Where does a header end?").

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Exercise;
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "09-resume",
        title: "Resume a download from an offset",
        minutes: 25,
        hints: &[
            "Your `get` promises and sends the whole file, as the lesson's does. Where to \
             start is already in the request: look at the header's fields, and find the one \
             that the lesson's `get` never reads.",
            "`request.header.size`, which the tutorial's clients send as 0, is the offset. \
             It comes from the network, so compare it with the file's `size` before you use \
             it: past the end is a refusal that keeps the connection, \
             `request.refuse(why, false)`; at the very end is fine, nothing is left to send.",
            "`file.seek(SeekFrom::Start(offset))?` (with `use std::io::{Seek, SeekFrom}`, \
             and `let mut file = file;`) moves the file to the offset. Then promise what is \
             left: `Download::new(name, file, size - offset)`, whose size is what \
             `YES|...` announces and exactly what is sent.",
        ],
        args: &[],
        setup: Some(the_fox),
        script: resume,
    },
    Exercise {
        id: "09-list",
        title: "List the files there are to get",
        minutes: 25,
        hints: &[
            "A new command is two things: the server must know its name (Python's \
             `hasattr(self, cmd)`), and a method must answer it (`getattr(self, cmd)`). Your \
             server's log says why `list|-|0` is refused now, and so which of the two is \
             missing.",
            "`names` adds `\"list\"`; `other` answers it. `files.download.names()?` lists \
             the download directory; keep only what a `get` would serve, and ask it the way \
             `get` asks: `open_to_get(files, &name).is_ok()` (it checks the name, refuses \
             links and anything but a regular file). Then `names.sort()`.",
            "Answer as `get` does, so a client needs nothing new: \
             `Answer::Send(Download::new(\"list\", Cursor::new(listing), len))`, where \
             `listing` is the bytes of each name followed by `\\n`, and `len` its length in \
             bytes (`use std::io::Cursor`): a `Download` reads from any reader, and bytes in \
             memory stream out like a file.",
        ],
        args: &[],
        setup: Some(a_directory),
        script: list,
    },
];

/// The file both checks download.
const FOX: &str = "The quick brown fox jumps over the lazy dog.\n";

/// `download/`, created in `root`, with `fox.txt` in it; the server's arguments.
fn the_fox(root: &Path) -> io::Result<Vec<OsString>> {
    let download = download_dir(root)?;
    fs::write(download.join("fox.txt"), FOX)?;
    Ok(vec!["--root".into(), root.into()])
}

/// `download/` with files to list, and what must not be listed: hidden files, a
/// temporary file of the server's, a directory.
fn a_directory(root: &Path) -> io::Result<Vec<OsString>> {
    let args = the_fox(root)?;
    let download = download_dir(root)?;
    fs::write(download.join("Zebra.txt"), "stripes\n")?;
    fs::write(download.join("grüße.txt"), "grüße\n")?;
    fs::write(download.join("notes.md"), "# notes\n")?;
    fs::write(download.join(".hidden"), "not listed\n")?;
    fs::write(download.join(".4242-7.part"), "half a file")?;
    fs::create_dir_all(download.join("old"))?;
    fs::write(download.join("old").join("fox.txt"), FOX)?;
    Ok(args)
}

fn download_dir(root: &Path) -> io::Result<PathBuf> {
    let download = root.join("download");
    fs::create_dir_all(&download)?;
    Ok(download)
}

/// Asks for a download with `header`; on `YES|size`, says `second_active` and hears
/// the `size` bytes of `content`. On script if the server said all that.
fn download(client: &mut Client, header: &str, content: &[u8]) -> OnScript {
    client.turn(format!("{header}\n"), format!("YES|{}", content.len()))?;
    client.send("second_active");
    if content.is_empty() {
        return Some(());
    }
    client.hear(content)
}

/// Whole, from the middle, from the very end (nothing), then refusals: past the end,
/// and a file that is not there, after which the connection still serves.
fn resume(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    let fox = FOX.as_bytes();
    for (header, content) in [
        ("get|fox.txt|0", fox),
        ("get|fox.txt|16", &fox[16..]),
        ("get|fox.txt|45", &fox[45..]),
    ] {
        download(&mut client, header, content)?;
    }
    client.turn(
        "get|fox.txt|46\n",
        "NO|offset 46 is past the end of \"fox.txt\" (45 bytes)",
    )?;
    client.turn("get|missing.txt|5\n", "NO|0")?;
    download(&mut client, "get|fox.txt|40", &fox[40..]);
    Some(())
}

/// The list, as a download; a `get` on the same connection; the list again.
fn list(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    let listing = "Zebra.txt\nfox.txt\ngrüße.txt\nnotes.md\n".as_bytes();
    for (header, content) in [
        ("list|-|0", listing),
        ("get|fox.txt|0", FOX.as_bytes()),
        ("list|-|0", listing),
    ] {
        download(&mut client, header, content)?;
    }
    Some(())
}
