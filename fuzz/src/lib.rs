//! What the fuzz targets share: how an input is cut into fields, and oracles written
//! independently of the code under test (address ranges from the IANA special-purpose
//! registries, loopback as the URL parser sees it, a client's header encoding).

use std::net::{Ipv4Addr, Ipv6Addr};

use base64::Engine;
use github_mcp_worker::github::client::Query;
use url::{Host, Url};

/// The input as text (invalid UTF-8 becomes U+FFFD, as a header or body read as text would),
/// cut at the first `fields - 1` newlines. Missing fields are absent, not empty.
pub fn fields(data: &[u8], fields: usize) -> Vec<String> {
    String::from_utf8_lossy(data)
        .splitn(fields, '\n')
        .map(str::to_string)
        .collect()
}

/// IPv4 blocks that are not public unicast: not globally reachable in the IANA IPv4
/// Special-Purpose Address Registry (RFC 6890 and successors), multicast, and reserved.
const NOT_PUBLIC_V4: [([u8; 4], u32); 15] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGN)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata services)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // TEST-NET-1
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // TEST-NET-2
    ([203, 0, 113, 0], 24),  // TEST-NET-3
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and the broadcast address
];

/// True when `ip` is in none of [`NOT_PUBLIC_V4`].
pub fn public_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    NOT_PUBLIC_V4.iter().all(|(net, len)| {
        let mask = u32::MAX << (32 - len);
        ip & mask != u32::from_be_bytes(*net) & mask
    })
}

/// IPv6 blocks inside global unicast 2000::/3 that are not public: IETF protocol
/// assignments (Teredo, benchmarking, ORCHID, ...), documentation, 6to4.
const NOT_PUBLIC_V6: [(u128, u32); 4] = [
    (0x2001_0000 << 96, 23),
    (0x2001_0db8 << 96, 32),
    (0x2002 << 112, 16),
    (0x3fff << 112, 20),
];

/// True when `ip` is global unicast (2000::/3, which leaves out loopback, unspecified,
/// IPv4-mapped and -compatible, NAT64, unique-local, link-local and multicast) and in
/// none of [`NOT_PUBLIC_V6`]. Any address that embeds an IPv4 address in a way a
/// network would route to it is outside 2000::/3 or in one of those blocks.
pub fn public_v6(ip: Ipv6Addr) -> bool {
    let ip = u128::from(ip);
    let global = ip >> 125 == 0b001;
    global
        && NOT_PUBLIC_V6.iter().all(|(net, len)| {
            let mask = u128::MAX << (128 - len);
            ip & mask != net & mask
        })
}

/// True when the URL parser (as a browser or `fetch` would) takes `host` to be this
/// machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn loopback_url_host(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `http://{host}/` parsed, if the URL parser accepts it.
pub fn url_with_host(host: &str) -> Option<Url> {
    Url::parse(&format!("http://{host}/")).ok()
}

/// How a careful client sends a value in an `Mcp-Method` or `Mcp-Name` header: plain when it
/// is visible ASCII that survives trimming and cannot be mistaken for the encoded form,
/// otherwise `=?base64?…?=`.
pub fn header_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.trim() == value
        && value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !value.starts_with("=?base64?");
    if plain {
        value.to_string()
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

/// Decodes `%XX` escapes (the inverse of `github::http::percent_encode`).
pub fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The GitHub API base the URL checks build on.
const API: &str = "https://api.github.com";

/// Asserts that `name` (an owner, repository or login) is one path segment: placed in an
/// API path, the URL parser keeps it as it is, and it moves to no other path or host.
pub fn assert_path_segment(name: &str) {
    assert!(!name.is_empty() && name != "." && name != "..", "{name:?}");
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)),
        "{name:?} has characters beyond letters, digits, '-', '.' and '_'"
    );
    let built = format!("{API}/repos/{name}/x");
    let url = Url::parse(&built).expect("an API URL with a name parses");
    assert_eq!(url.as_str(), built, "{name:?} changed the URL");
    assert_eq!(url.host_str(), Some("api.github.com"));
}

/// Asserts that `value`, put in a query with the GitHub client's own builder, comes back
/// whole from the query and changes nothing else.
pub fn assert_query_value(value: &str) {
    let mut query = Query::new();
    query.push("sha", value).push("per_page", 1);
    let built = format!("{API}/repos/o/r/commits{}", query.as_str());
    let url = Url::parse(&built).expect("an API URL with a query parses");
    assert_eq!(url.path(), "/repos/o/r/commits", "{value:?}");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("sha".into(), value.into()),
            ("per_page".into(), "1".into())
        ],
        "{value:?} sent as {built:?}"
    );
}

/// Asserts that `encoded` (what `encode_repo_path` made of `raw`) follows `/contents/`
/// without being normalised by the URL parser (no dot segments, no backslashes, no query
/// or fragment), and that its segments decode to `raw`'s.
pub fn assert_contents_path(raw: &str, encoded: &str) {
    let built = format!("{API}/repos/o/r/contents/{encoded}");
    let url = Url::parse(&built).expect("a contents URL parses");
    assert_eq!(
        url.as_str(),
        built,
        "{raw:?} encoded as {encoded:?} was rewritten"
    );
    assert!(url.query().is_none() && url.fragment().is_none());
    if raw.is_empty() {
        assert!(encoded.is_empty());
        return;
    }
    let decoded: Vec<Option<String>> = encoded.split('/').map(percent_decode).collect();
    let segments: Vec<Option<String>> = raw.split('/').map(|s| Some(s.to_string())).collect();
    assert_eq!(decoded, segments, "{raw:?} encoded as {encoded:?}");
    for segment in raw.split('/') {
        assert!(
            !segment.is_empty() && segment != "." && segment != "..",
            "{raw:?}"
        );
    }
}

/// Checks the oracles themselves on well-known cases, once per process: the targets call
/// it first, so a wrong oracle fails the fuzz run instead of hiding defects.
pub fn check_oracles() {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        addresses();
        header_values();
    });

    fn addresses() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "198.20.0.1",
            "223.255.255.255",
        ] {
            assert!(public_v4(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "0.1.2.3",
            "10.1.1.1",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.169.254",
            "172.31.0.1",
            "192.0.0.8",
            "192.168.0.1",
            "198.19.0.1",
            "203.0.113.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public_v4(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["2606:4700::1111", "2001:4860::8888", "2a00::1", "3ffe::1"] {
            assert!(public_v6(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2001::1",
            "2001:1ff:ffff::1",
            "2001:db8::1",
            "2002:a00:1::1",
            "3fff:fff::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
        ] {
            assert!(!public_v6(ip.parse().unwrap()), "{ip}");
        }
    }

    fn header_values() {
        assert_eq!(header_value("tools/call"), "tools/call");
        assert_eq!(header_value(" x"), "=?base64?IHg=?=");
        assert_eq!(header_value("é"), "=?base64?w6k=?=");
        assert_eq!(
            header_value("=?base64?eA==?="),
            "=?base64?PT9iYXNlNjQ/ZUE9PT89?="
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_oracles_hold() {
        super::check_oracles();
    }
}
