//! The bounds on one SMTP client (DESIGN §9, "an SMTP client"): sessions open at once, in all
//! and per peer; a deadline for the whole session; a time limit on each line and each answer;
//! and lines read in chunks and thrown away when too long, so a client never makes the listener
//! hold more than a line and a message.

use std::{
    collections::{hash_map::Entry, HashMap},
    io,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::{
    io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt},
    time::{timeout, timeout_at, Instant},
};

/// How far SMTP clients may go. The defaults are what `attune` runs with; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sessions open at once, in all. Each holds at most a message (256 KiB) and a line, so
    /// 100 hold under 30 MiB; unsubscribe mail comes a few at a time, and a server turned away
    /// with `421` tries again later (RFC 5321 §4.2.5), so nothing is lost.
    pub connections: usize,
    /// Sessions open at once from one peer (an IPv4 address, an IPv6 /64): a mail server sends
    /// a domain a few at a time, and one peer must not take every slot.
    pub per_peer: usize,
    /// A session ends this long after it began, however busy it keeps (a `NOOP` a minute).
    /// Ten minutes is an age for one unsubscribe mail of at most 256 KiB.
    pub session: Duration,
    /// Each line must arrive within this long.
    pub idle: Duration,
    /// Each answer must be taken within this long: an answer is a line or two, which the
    /// connection's buffer takes at once, so only a client that stopped reading holds one up.
    pub write: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 100,
            per_peer: 10,
            session: Duration::from_secs(10 * 60),
            idle: Duration::from_secs(60),
            write: Duration::from_secs(30),
        }
    }
}

/// A line longer than its limit is read on and thrown away, a chunk at a time, up to this many
/// bytes; past that the client is dropped. It is more than a whole message may be, so a message
/// too big still gets its `552`, and far more than any mail's line (RFC 5321 §4.5.3.1.6: 1000).
pub const MAX_SKIP: usize = 1024 * 1024;

/// The sessions open, in all and per peer.
#[derive(Clone, Default)]
pub struct Slots(Arc<Mutex<Open>>);

#[derive(Default)]
struct Open {
    all: usize,
    by_peer: HashMap<IpAddr, usize>,
}

/// One session's place among the open ones, given back when dropped.
pub struct Slot {
    slots: Slots,
    peer: IpAddr,
}

impl Slots {
    /// A place for a session from `peer`, if the limits leave one.
    pub fn take(&self, peer: IpAddr, limits: &Limits) -> Option<Slot> {
        let peer = peer_of(peer);
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let from_peer = open.by_peer.get(&peer).copied().unwrap_or(0);
        if open.all >= limits.connections || from_peer >= limits.per_peer {
            return None;
        }
        open.all += 1;
        *open.by_peer.entry(peer).or_default() += 1;
        Some(Slot {
            slots: self.clone(),
            peer,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.0.lock().unwrap_or_else(PoisonError::into_inner);
        open.all -= 1;
        if let Entry::Occupied(mut n) = open.by_peer.entry(self.peer) {
            *n.get_mut() -= 1;
            if *n.get() == 0 {
                n.remove();
            }
        }
    }
}

/// Whom a connection counts against: its IPv4 address, or its IPv6 /64 (one host is usually
/// given a whole /64, so counting single addresses would be no limit).
fn peer_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        v4 => v4,
    }
}

/// What reading a line found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line within its limit, appended.
    Read,
    /// A line over its limit, read and thrown away.
    TooLong,
    /// The end of input (and of any unfinished line).
    End,
}

/// One client's connection, with its clock.
pub struct Conn<R, W> {
    reader: R,
    writer: W,
    limits: Limits,
    /// When the session ends, however busy.
    ends: Instant,
}

impl<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin> Conn<R, W> {
    pub fn new(reader: R, writer: W, limits: Limits) -> Self {
        Conn {
            reader,
            writer,
            limits,
            ends: Instant::now() + limits.session,
        }
    }

    /// Appends the next line to `buf`, without its line end, if it has at most `limit` bytes;
    /// a longer one is read on and thrown away. A line slower than `idle`, one past the
    /// session's deadline or one longer than [`MAX_SKIP`] ends the session: the client is told
    /// why and the error returned.
    pub async fn line(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
        let until = self.ends.min(Instant::now() + self.limits.idle);
        match timeout_at(until, read_line(&mut self.reader, buf, limit)).await {
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                let _ = self.reply("500 5.5.2 Line too long; closing").await;
                Err(e)
            }
            Ok(read) => read,
            Err(_) => {
                let _ = self.reply("421 4.4.2 Timeout; closing").await;
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "SMTP client too slow",
                ))
            }
        }
    }

    /// Sends one answer; a client that does not take it within `write` is dropped.
    pub async fn reply(&mut self, text: &str) -> io::Result<()> {
        let answer = format!("{text}\r\n");
        let writer = &mut self.writer;
        let sent = async {
            writer.write_all(answer.as_bytes()).await?;
            writer.flush().await
        };
        timeout(self.limits.write, sent)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "SMTP client not reading"))?
    }
}

/// [`Conn::line`] without the clock: reads a chunk at a time (the reader's buffer), so a line
/// too long costs no memory beyond `limit`.
async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    let start = buf.len();
    let mut seen = 0usize;
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            buf.truncate(start);
            return Ok(Line::End);
        }
        let (part, ends) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..=i], true),
            None => (chunk, false),
        };
        let taken = part.len();
        seen += taken;
        // The limit leaves room for CRLF.
        let fits = seen <= limit + 2;
        if fits {
            buf.extend_from_slice(part);
        } else {
            buf.truncate(start);
        }
        reader.consume(taken);
        if ends && fits {
            while buf.len() > start && matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            return Ok(Line::Read);
        }
        if ends {
            return Ok(Line::TooLong);
        }
        if seen > MAX_SKIP {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], limit: usize) -> Vec<io::Result<(Line, Vec<u8>)>> {
        let mut reader = input;
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            match read_line(&mut reader, &mut buf, limit).await {
                Ok(Line::End) => return out,
                Ok(line) => out.push(Ok((line, buf))),
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    #[tokio::test]
    async fn a_line_over_its_limit_is_skipped_whole_and_the_next_one_read() {
        let input = [&b"NOOP\r\n"[..], &[b'x'; 5000], b"\r\nQUIT\r\n"].concat();
        let got: Vec<_> = lines(&input, 1000)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            got,
            vec![
                (Line::Read, b"NOOP".to_vec()),
                (Line::TooLong, Vec::new()),
                (Line::Read, b"QUIT".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn a_line_longer_than_max_skip_is_an_error_and_not_kept() {
        let input = vec![b'x'; MAX_SKIP + 10];
        let got = lines(&input, 1000).await;
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].as_ref().unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[tokio::test]
    async fn a_line_of_exactly_its_limit_fits_and_an_unfinished_one_at_the_end_is_dropped() {
        let input = [&[b'a'; 10][..], b"\r\n", b"half a line"].concat();
        let got: Vec<_> = lines(&input, 10)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, vec![(Line::Read, vec![b'a'; 10])]);
    }

    #[test]
    fn a_peer_gets_no_more_than_its_slots_and_a_slot_dropped_is_given_back() {
        let limits = Limits {
            connections: 3,
            per_peer: 2,
            ..Limits::default()
        };
        let slots = Slots::default();
        let (a, b, c) = (
            "192.0.2.1".parse().unwrap(),
            "192.0.2.2".parse().unwrap(),
            "192.0.2.3".parse().unwrap(),
        );
        let first = slots.take(a, &limits).unwrap();
        let _second = slots.take(a, &limits).unwrap();
        assert!(slots.take(a, &limits).is_none(), "per peer");
        let _third = slots.take(b, &limits).unwrap();
        assert!(slots.take(c, &limits).is_none(), "in all");
        drop(first);
        assert!(slots.take(c, &limits).is_some());
    }

    #[test]
    fn ipv6_peers_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(peer_of(one), peer_of(same));
        assert_ne!(peer_of(one), peer_of(other));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(peer_of(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
