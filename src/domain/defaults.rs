//! What applies to people and rooms that have not chosen for themselves: the
//! deployment's policy (its timezone, working hours and digest), read from the
//! settings once and consulted by the engine and the scheduler.

use chrono::NaiveTime;
use chrono_tz::Tz;

use super::{DigestSchedule, Weekdays, WorkingHours};

/// What applies to people and rooms that have not chosen for themselves.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// For people without a timezone of their own, and for digests.
    pub timezone: Tz,
    /// Whether the deployment chose [`Defaults::timezone`]. When it did not (UTC by
    /// default), people whose own timezone is unknown get no default quiet hours.
    pub timezone_known: bool,
    /// Working hours for people who set none; `None`: no quiet hours by default.
    pub working_hours: Option<(NaiveTime, NaiveTime)>,
    /// The digest for rooms that set none; `None`: no digest by default.
    pub digest: Option<DigestSchedule>,
    /// Post a digest even when nothing is blocked and nothing changed.
    pub post_quiet_digests: bool,
    /// When handoffs carry notes for a summary; `None` (no language model is
    /// configured): never, and nothing is gathered for one.
    pub summaries: Option<super::SummaryThreshold>,
}

impl Default for Defaults {
    /// UTC, no quiet hours, a 09:30 digest on weekdays, quiet digests skipped.
    fn default() -> Self {
        Self {
            timezone: Tz::UTC,
            timezone_known: false,
            working_hours: None,
            digest: Some(DigestSchedule::weekday_mornings(Tz::UTC)),
            post_quiet_digests: false,
            summaries: None,
        }
    }
}

impl Defaults {
    /// A person's working hours from their own settings, falling back to these.
    ///
    /// The default hours only apply when the person's clock is known: their own
    /// timezone (set by them or read from their platform profile) or the
    /// deployment's. Otherwise a DM is not held on a guess.
    pub fn working_hours_for(
        &self,
        timezone: Option<&str>,
        hours: Option<&str>,
    ) -> Option<WorkingHours> {
        let own_timezone: Option<Tz> = timezone.and_then(|tz| tz.parse().ok());
        let tz = own_timezone.unwrap_or(self.timezone);
        let (start, end) = match hours.and_then(super::parse_hours) {
            Some(own) => own,
            None if own_timezone.is_some() || self.timezone_known => self.working_hours?,
            None => return None,
        };
        Some(WorkingHours {
            start,
            end,
            tz,
            days: Weekdays::WORKING,
        })
    }

    /// 09:00-18:00 on weekdays in the person's timezone (or the default): for
    /// "tomorrow morning" when nobody set working hours.
    pub fn office_hours(&self, timezone: Option<&str>) -> WorkingHours {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
            tz: timezone
                .and_then(|tz| tz.parse().ok())
                .unwrap_or(self.timezone),
            days: Weekdays::WORKING,
        }
    }

    /// What a room's own digest setting fills its gaps from: the default digest,
    /// or 09:30 on weekdays when the default is off.
    pub fn digest_base(&self) -> DigestSchedule {
        self.digest
            .unwrap_or_else(|| DigestSchedule::weekday_mornings(self.timezone))
    }

    /// A room's digest schedule from its own setting, falling back to these.
    pub fn digest_for(&self, setting: Option<&str>) -> Option<DigestSchedule> {
        let Some(setting) = setting else {
            return self.digest;
        };
        let base = self.digest_base();
        let words: Vec<&str> = setting.split_whitespace().collect();
        DigestSchedule::parse_setting(&words, &base).unwrap_or(Some(base))
    }
}
