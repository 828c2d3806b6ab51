//! `link github LOGIN`, `link gitlab USERNAME`, `unlink github`: a person says
//! which forge account is theirs, so forge events name and reach them.

use super::Intent;
use super::context::{Ctx, help_on};
use super::text::Text;
use crate::domain::Forge;

patterns! {
    /// "link github", "linking my GitHub", "connect my **GitLab**", "unlink gh".
    LINKING = r"\b(?:(un|dis)(?:link|connect)|link|linking|connect|connecting|hook\s+up)\s+(?:up\s+)?(?:my\s+|me\s+to\s+my\s+|to\s+)?[*_`]*(github|gitlab|gh|gl)\b";
    /// "my GitLab username is …": the account named before the verb.
    MY_FORGE_IS = r"\bmy\s+[*_`]*(github|gitlab|gh|gl)[*_`]*\s+(?:(?:account|acct|user|username|user\s+name|id|handle|login|profile)\s+)?(?:is|=|:)";
    /// "…, please link it", "kindly link the same".
    LINK_IT = r"\b(?:link|connect)\s+(?:it|that|this|the\s+same|them)\b";
    /// After the forge, the words that lead to the login: "account: ",
    /// "username is", "acct, it's", "to".
    LEAD = r"^(?:[^\w@]+|\b(?:account|acct|user|username|user\s+name|id|handle|login|profile|name|is|it's|it\s+is|as|to|=)\b)*";
    /// A login as the forges allow it (no trailing dot or dash).
    LOGIN = r"^@?([a-z0-9](?:[a-z0-9_.\-]*[a-z0-9_])?)";
    /// A correction of the login: "sorry, I meant tomosw".
    MEANT = r"\bi\s+meant?\s*:?\s+@?([a-z0-9](?:[a-z0-9_.\-]*[a-z0-9_])?)";
    /// A login spelled out by voice: "marcus dash sells", "niamh dot obrien".
    SPOKEN_DASH = r"\s+(?:dash|hyphen)\s+";
    SPOKEN_UNDERSCORE = r"\s+underscore\s+";
    SPOKEN_DOT = r"\s+dot\s+";
}

/// Words that follow a forge's name but are no login.
const NOT_A_LOGIN: &[&str] = &[
    "please", "pls", "plz", "kindly", "it", "this", "that", "me", "my", "and", "for", "now",
    "thanks", "thx", "ty", "cheers", "pr", "mr", "repo", "issue", "pull", "link", "account",
];

/// Links or unlinks a forge account; said explicitly to the bot, never in passing.
///
/// The request is recognised by its parts, not one phrasing: a verb before the
/// forge ("link my GitHub", "unlink gh"), or "my GitLab id is …" with "link it";
/// the login is the first word after the forge that can be one, or the one the
/// author says they meant. A message that names a task is about the task.
pub(super) fn link(ctx: &Ctx<'_>) -> Option<Intent> {
    if !ctx.explicit() || !ctx.text.keys().is_empty() {
        return None;
    }
    // Linking is the request itself, once its courtesies are off ("add Connect
    // gitlab runners" is a title), but the courtesies may hold the login:
    // "…, pls link it", "? It's octocat".
    let requested = LINKING
        .find(ctx.masked())
        .is_some_and(|found| found.start() == 0);
    let said = Text::new(ctx.said);
    let masked = said.masked();
    let (forge_found, unlink) = match LINKING.captures(masked) {
        Some(found) if requested => (found.get(2)?, found.get(1).is_some()),
        _ if LINK_IT.is_match(masked) => (MY_FORGE_IS.captures(masked)?.get(1)?, false),
        _ => return None,
    };
    let forge = Forge::from_name(forge_found.as_str())?;
    if unlink {
        return Some(Intent::Link { forge, login: None });
    }
    let tail = said.original().get(forge_found.end()..).unwrap_or_default();
    let tail = SPOKEN_DASH.replace_all(tail, "-");
    let tail = SPOKEN_UNDERSCORE.replace_all(&tail, "_");
    let tail = SPOKEN_DOT.replace_all(&tail, ".");
    let login = MEANT
        .captures(&tail)
        .and_then(|meant| meant.get(1))
        .or_else(|| {
            let lead = LEAD.find(&tail).map_or(0, |lead| lead.end());
            LOGIN.captures(tail.get(lead..)?)?.get(1)
        })
        .map(|login| login.as_str().to_owned())
        .filter(|login| !NOT_A_LOGIN.contains(&login.to_ascii_lowercase().as_str()));
    Some(match login {
        Some(login) => Intent::Link {
            forge,
            login: Some(login),
        },
        None => help_on("link"),
    })
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

    #[test]
    fn the_login_is_found_however_the_request_is_worded() {
        let login = |text| match intent(text) {
            Intent::Link { login, .. } => login,
            other => panic!("{text:?} reads as {other:?}"),
        };
        for (text, expected) in [
            (
                "@baton would you mind linking my GitHub account? It's imogen-w.",
                "imogen-w",
            ),
            (
                "@baton my GitLab username is niamh.obrien — please link it to me.",
                "niamh.obrien",
            ),
            (
                "@baton link github tomos-w — sorry, I meant tomosw",
                "tomosw",
            ),
            (
                "@baton please connect my **GitHub** account: mateo-rz",
                "mateo-rz",
            ),
            ("@baton link github `sofia-m`", "sofia-m"),
            (
                "@baton my gitlab id is otieno_j, kindly link the same",
                "otieno_j",
            ),
            (
                "@baton um link my github its marcus dash sells",
                "marcus-sells",
            ),
        ] {
            assert_eq!(login(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn a_forge_named_in_another_request_is_no_account() {
        assert!(matches!(
            intent("!baton add Update the link to the github docs"),
            Intent::Create { .. }
        ));
        assert!(!matches!(
            intent("!baton link T-5 to the github PR"),
            Intent::Link { .. }
        ));
        assert!(matches!(
            intent("!baton link github please"),
            Intent::Help { .. }
        ));
    }
}
