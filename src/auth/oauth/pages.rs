//! What the authorization server shows a person, and the HTTP plumbing of sign-in:
//! HTML pages (consent, errors) with strict security headers, `__Host-` cookies,
//! redirects, and form parsing.

use worker::{Headers, Request, Response};

use super::client::ClientRecord;

/// Cookie names. `__Host-` makes the browser insist on Secure, Path=/ and no Domain.
pub const CSRF_COOKIE: &str = "__Host-mcpw-csrf";
pub const LOGIN_COOKIE: &str = "__Host-mcpw-login";
pub const APPROVED_COOKIE: &str = "__Host-mcpw-approved";

pub struct Cookie {
    pub name: &'static str,
    pub value: String,
    /// Seconds; 0 deletes the cookie.
    pub max_age: i64,
}

impl Cookie {
    fn header(&self) -> String {
        format!(
            "{}={}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
            self.name, self.value, self.max_age
        )
    }
}

/// A cookie's value from the request.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    cookie_value(&header, name).map(str::to_string)
}

/// A cookie's value from a `Cookie` header. The first cookie of that name wins, as browsers
/// send the most specific one first.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// An `application/x-www-form-urlencoded` body, as its name-value pairs in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &str) -> Form {
        Form(
            url::form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when a field for which `counts` holds is given more than once: a form that says
    /// `decision=approve&decision=deny` gives no answer.
    pub fn repeats(&self, counts: impl Fn(&str) -> bool) -> bool {
        let mut names: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names
            .windows(2)
            .any(|w| matches!(w, [a, b] if a == b && counts(a)))
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn set_cookies(headers: &Headers, cookies: &[Cookie]) -> worker::Result<()> {
    for cookie in cookies {
        headers.append("set-cookie", &cookie.header())?;
    }
    Ok(())
}

/// An HTML page that cannot be framed and runs no script. `form_action` is the CSP
/// `form-action` source list: where a form on the page, and every redirect that follows
/// its submission, may go (browsers check each hop of the chain).
///
/// `Referrer-Policy: same-origin` sends no referrer to other sites, while a form posted to
/// ourselves still carries our real `Origin` (with `no-referrer`, browsers send `null`).
pub fn html(
    status: u16,
    body: &str,
    cookies: &[Cookie],
    form_action: &str,
) -> worker::Result<Response> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>GitHub MCP Worker</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}code{{word-break:break-all}}button{{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}}</style></head><body>{body}</body></html>"
    );
    let mut response = Response::from_html(page)?.with_status(status);
    let headers = response.headers_mut();
    headers.set(
        "content-security-policy",
        &format!("default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"),
    )?;
    headers.set("x-frame-options", "DENY")?;
    headers.set("referrer-policy", "same-origin")?;
    headers.set("cache-control", "no-store")?;
    set_cookies(headers, cookies)?;
    Ok(response)
}

/// The `form-action` sources for a consent form: ourselves, GitHub's sign-in page, and the
/// client's redirect URI, which the chain POST /authorize → GitHub → /callback → client
/// reaches when GitHub redirects straight back (as it does for returning users).
pub fn consent_form_action(github_web_url: &str, redirect_uri: &str) -> String {
    let mut sources = vec!["'self'".to_string()];
    sources.extend(csp_source(github_web_url));
    sources.extend(csp_source(redirect_uri));
    sources.join(" ")
}

/// A CSP source expression that matches `uri`: its scheme, host and port for http(s) URLs
/// with a host CSP can name; otherwise its scheme alone (private-use schemes of native
/// apps, IPv6 literals).
pub fn csp_source(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let scheme = url.scheme();
    let scheme_only = format!("{scheme}:");
    let source = match (scheme, url.host()) {
        ("http" | "https", Some(url::Host::Domain(host))) => {
            format!("{scheme}://{host}{}", port_suffix(&url))
        }
        ("http" | "https", Some(url::Host::Ipv4(ip))) => {
            format!("{scheme}://{ip}{}", port_suffix(&url))
        }
        _ => scheme_only.clone(),
    };
    // Anything else could end the directive or start another; a scheme is always plain.
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:/+-".contains(&b))
    };
    [source, scheme_only].into_iter().find(|s| plain(s))
}

fn port_suffix(url: &url::Url) -> String {
    url.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// An error page: what went wrong, and what to do.
/// The page for a client the operator has blocked ([`super::blocked`]): it is not sent back
/// to the client, whose redirect URI may be why it is blocked.
pub fn blocked(why: &str) -> worker::Result<Response> {
    error(
        403,
        "This application is blocked on this server",
        &format!(
            "Sign-in stopped: {why}. If you trust the application, ask the server's operator."
        ),
    )
}

pub fn error(status: u16, title: &str, hint: &str) -> worker::Result<Response> {
    html(
        status,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(hint)),
        &[],
        "'none'",
    )
}

/// A 302 built by hand, so cookies can be added (JS `Response.redirect` headers are immutable).
pub fn redirect(location: &str, cookies: &[Cookie]) -> worker::Result<Response> {
    let mut response = Response::empty()?.with_status(302);
    let headers = response.headers_mut();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    set_cookies(headers, cookies)?;
    Ok(response)
}

/// Redirects to a validated client redirect URI with `params`, the client's `state`, and
/// `iss` (RFC 9207), keeping any query the registered URI already had.
pub fn redirect_to_client(
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
    cookies: &[Cookie],
) -> worker::Result<Response> {
    let mut url =
        url::Url::parse(redirect_uri).map_err(|e| worker::Error::RustError(e.to_string()))?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    redirect(url.as_str(), cookies)
}

/// The consent page: who asks, where the answer goes, what they get, and the choice.
pub fn consent(
    client: &ClientRecord,
    redirect_uri: &str,
    github_scopes: &str,
    signed_request: &str,
    csrf: &str,
) -> String {
    let name = escape(client.display_name());
    let from = client
        .client_uri
        .as_deref()
        .map(|u| format!("<p>It says it is from <code>{}</code>.</p>", escape(u)))
        .unwrap_or_default();
    let local_note = if super::client::is_native_app_redirect(redirect_uri) {
        "<p>This is an application on your own computer.</p>"
    } else {
        ""
    };
    let scopes = if github_scopes.is_empty() {
        "your public GitHub profile".to_string()
    } else {
        escape(github_scopes)
    };
    format!(
        "<h1>Allow {name} to use GitHub MCP Worker?</h1>\
<p><strong>{name}</strong> wants to read GitHub through this server on your behalf.</p>{from}\
<p>After you approve, you will sign in with GitHub, and the application receives a token for this server only. \
It is sent to <code>{redirect}</code>.</p>{local_note}\
<p>GitHub access requested: <code>{scopes}</code> (read-only tools).</p>\
<form method=\"post\" action=\"/authorize\">\
<input type=\"hidden\" name=\"request\" value=\"{request}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>\
<p><small>Only approve applications you started yourself. You can revoke access by revoking the app in GitHub's settings.</small></p>",
        redirect = escape(redirect_uri),
        request = escape(signed_request),
        csrf = escape(csrf),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_html_cares_about() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn form_action_names_each_hop_of_the_sign_in_chain() {
        assert_eq!(
            consent_form_action("https://github.com", "http://127.0.0.1:53999/callback"),
            "'self' https://github.com http://127.0.0.1:53999"
        );
        assert_eq!(
            consent_form_action(
                "http://127.0.0.1:9000",
                "https://claude.ai/api/mcp/auth_callback"
            ),
            "'self' http://127.0.0.1:9000 https://claude.ai"
        );
        assert_eq!(
            csp_source("cursor://anysphere.cursor/cb").as_deref(),
            Some("cursor:")
        );
        assert_eq!(
            csp_source("com.example.app:/callback").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(csp_source("http://[::1]:8080/cb").as_deref(), Some("http:"));
        assert_eq!(
            csp_source("https://app.example:8443/cb").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(csp_source("not a url"), None);
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let header = "a=1; __Host-mcpw-csrf=abc ; b=; __Host-mcpw-csrf=later";
        assert_eq!(cookie_value(header, "__Host-mcpw-csrf"), Some("abc"));
        assert_eq!(cookie_value(header, "b"), Some(""));
        assert_eq!(cookie_value(header, "mcpw-csrf"), None);
        assert_eq!(cookie_value("", "a"), None);
        assert_eq!(cookie_value("=;;=x; \u{e9}=1", "\u{e9}"), Some("1"));
    }

    #[test]
    fn the_consent_page_names_the_client_and_escapes_it() {
        let client = ClientRecord {
            client_id: "c1".into(),
            secret_hash: None,
            redirect_uris: vec![],
            client_name: Some("<img src=x onerror=alert(1)>".into()),
            client_uri: None,
            auth_method: super::super::client::AuthMethod::None,
            created_at: 0,
        };
        let page = consent(
            &client,
            "http://127.0.0.1:5000/cb?a=\"b\"",
            "read:user",
            "signed",
            "token",
        );
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.contains("<img"));
        assert!(page.contains("http://127.0.0.1:5000/cb?a=&quot;b&quot;"));
        assert!(page.contains("your own computer"));
        assert!(page.contains("name=\"csrf\" value=\"token\""));
    }

    #[test]
    fn a_form_gives_first_values_every_value_and_whether_a_field_repeats() {
        let form = Form::parse("decision=approve&resource=a&csrf=x%20y&resource=b");
        assert_eq!(form.get("csrf"), Some("x y"));
        assert_eq!(form.get("missing"), None);
        assert_eq!(form.all("resource").collect::<Vec<_>>(), ["a", "b"]);
        assert!(form.repeats(|name| name == "resource"));
        assert!(!form.repeats(|name| name != "resource"));
        let twice = Form::parse("decision=approve&csrf=x&decision=deny");
        assert!(twice.repeats(|name| name == "decision"));
        assert_eq!(twice.get("decision"), Some("approve"));
    }
}
