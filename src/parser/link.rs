//! `link github LOGIN`, `link gitlab USERNAME`, `unlink github`: a person says
//! which forge account is theirs, so forge events name and reach them.

use super::Intent;
use super::context::{Ctx, help_on};
use crate::domain::Forge;

patterns! {
    /// "link github octocat", "link my gitlab account to @jdoe", "unlink gh".
    LINK = r"^(un)?(?:link|connect)\s+(?:my\s+)?(github|gitlab|gh|gl)\b(?:\s+(?:account|user|username|login|handle)\b)?(?:\s*,?\s*(?:it's|it\s+is|the\s+(?:username|login|handle|user)\s+is|(?:my\s+)?(?:username|login|handle)(?:\s+is)?|to|as|is|=|:))?\s*@?([a-z0-9][a-z0-9_.\-]*)?\s*[.!]?$";
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

#[cfg(test)]
mod tests {
    use super::super::{Message, parse};
    use super::*;

    fn intent(text: &str) -> Intent {
        parse(&Message {
            text,
            author: "@erin",
            thread_task: None,
            dm: false,
        })
        .intent
    }

    #[test]
    fn a_person_links_and_unlinks_their_forge_account() {
        let link = |forge, login: &str| Intent::Link {
            forge,
            login: Some(login.to_owned()),
        };
        assert_eq!(
            intent("!baton link github octocat"),
            link(Forge::GitHub, "octocat")
        );
        assert_eq!(
            intent("!baton link gitlab user1"),
            link(Forge::GitLab, "user1")
        );
        assert_eq!(
            intent("!baton link my GitHub account to @Mona-Lisa"),
            link(Forge::GitHub, "Mona-Lisa")
        );
        assert_eq!(
            intent("!baton unlink github"),
            Intent::Link {
                forge: Forge::GitHub,
                login: None
            }
        );
        assert!(matches!(intent("!baton link github"), Intent::Help { .. }));
        assert_eq!(intent("link github octocat"), Intent::None, "not addressed");
    }
}
