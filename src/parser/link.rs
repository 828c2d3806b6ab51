//! `link github LOGIN`, `link gitlab USERNAME`, `unlink github`: a person says
//! which forge account is theirs, so forge events name and reach them.

use super::Intent;
use super::context::{Ctx, help_on};
use crate::domain::Forge;

patterns! {
    /// "link github octocat", "link my gitlab account to @jdoe", "unlink gh".
    LINK = r"^(un)?link\s+(?:my\s+)?(github|gitlab|gh|gl)\b(?:\s+(?:account|user|username|login|handle))?(?:\s+(?:to|as|is|=|:))?\s*@?([a-z0-9][a-z0-9_.\-]*)?\s*[.!]?$";
}

/// Links or unlinks a forge account; said explicitly to the bot, never in passing.
pub(super) fn link(ctx: &Ctx<'_>) -> Option<Intent> {
    if !ctx.explicit() {
        return None;
    }
    let found = LINK.captures(ctx.masked())?;
    let forge = Forge::from_name(found.get(2)?.as_str())?;
    let unlink = found.get(1).is_some();
    let login = found.get(3).map(|m| ctx.text.slice(m.range()).to_owned());
    match (unlink, login) {
        (true, _) => Some(Intent::Link { forge, login: None }),
        (false, Some(login)) => Some(Intent::Link {
            forge,
            login: Some(login),
        }),
        (false, None) => Some(help_on("link")),
    }
}
