//! Fuzzes the link-token parser (`server/src/links/token.rs`): any input must give a clean
//! `Ok` or `Err`, never a panic; and whatever it accepts must re-sign to the same token.
//! Run: `cd server/fuzz && cargo +nightly fuzz run link_token -- -max_total_time=60`.
#![no_main]

#[path = "../../src/links/token.rs"]
#[allow(dead_code)]
mod token;

use libfuzzer_sys::fuzz_target;
use token::{LinkCodec, LinkKey, LinkKind};

fuzz_target!(|data: &[u8]| {
    let codec = LinkCodec::new(vec![LinkKey::new(2, b"new key"), LinkKey::new(1, b"old key")]);
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [LinkKind::Unsubscribe, LinkKind::Preferences, LinkKind::NotMe] {
        if let Ok(claims) = codec.parse(text, kind, 1_800_000_000) {
            // Only tokens we signed get here; re-signing with the same key reproduces them.
            if claims.key == 2 {
                assert_eq!(codec.sign(&claims), text);
            }
        }
    }
    // Tokens made from fuzzed claims always parse back.
    if data.len() >= 25 {
        let claims = token::LinkClaims {
            kind: LinkKind::Unsubscribe,
            key: 0,
            contact_id: i64::from_le_bytes(data[0..8].try_into().unwrap()),
            topic_id: i64::from_le_bytes(data[8..16].try_into().unwrap()),
            channel: data[16],
            purpose: data[17],
            issued_at: 1_800_000_000 - (u32::from_le_bytes(data[18..22].try_into().unwrap()) % 1_000_000) as i64,
        };
        let signed = codec.sign(&claims);
        let parsed = codec.parse(&signed, LinkKind::Unsubscribe, 1_800_000_000).expect("our own token parses");
        assert_eq!(parsed.contact_id, claims.contact_id);
        assert_eq!(parsed.topic_id, claims.topic_id);
    }
});
