//! Database URLs as they may be shown: in errors, logs and `baton doctor`.

/// Query parameters whose value is a secret (`?password=...`).
const SECRET_PARAMETERS: [&str; 3] = ["password", "passwd", "sslpassword"];

/// `url` with its password replaced by `REDACTED`: whatever sits between `://`
/// and the last `@` of the authority after the user name, and the values of
/// password query parameters. Textual, not parsed, so a URL that does not parse
/// (a `#` in the password, a bad port) is redacted all the same.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut redacted = match head.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                if credentials.contains(':') {
                    format!("{scheme}://{user}:REDACTED@{host}")
                } else {
                    format!("{scheme}://{user}@{host}")
                }
            }
            None => head.to_owned(),
        },
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((name, _))
                    if SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) =>
                {
                    format!("{name}=REDACTED")
                }
                _ => parameter.to_owned(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&parameters.join("&"));
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_even_where_the_url_does_not_parse() {
        for (url, shown) in [
            (
                "postgres://baton:s3cret@db:5432/baton",
                "postgres://baton:REDACTED@db:5432/baton",
            ),
            (
                "postgres://bob:s3cr#et@localhost:5432/db",
                "postgres://bob:REDACTED@localhost:5432/db",
            ),
            (
                "postgres://bob:s3cret@localhost:99999/db",
                "postgres://bob:REDACTED@localhost:99999/db",
            ),
            (
                "postgres://bob:p@ss/w:rd@db/baton",
                "postgres://bob:REDACTED@db/baton",
            ),
            (
                "postgres://localhost/db?user=bob&password=s3cret&sslmode=require",
                "postgres://localhost/db?user=bob&password=REDACTED&sslmode=require",
            ),
            ("postgres://bob@db/baton", "postgres://bob@db/baton"),
            ("sqlite://baton.db", "sqlite://baton.db"),
            (
                "sqlite:///var/lib/baton/baton.db?mode=rwc",
                "sqlite:///var/lib/baton/baton.db?mode=rwc",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            assert!(!redact_url(url).contains("s3c"), "{url}");
        }
    }
}
