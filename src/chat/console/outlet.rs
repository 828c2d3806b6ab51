//! The console's sending side: each delivered message printed as a `>>>` block
//! (DESIGN §4), its picture saved beside the database.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error_chain::error_chain;
use crate::outbox::{Delivered, DeliveryError, Outlet};
use crate::store::{Destination, OutboxMessage, Picture};

/// Prints delivered messages as `>>>` blocks; a picture is saved as SVG and PNG
/// files in `pictures`, and the block's last line says where.
pub struct ConsoleOutlet<W> {
    out: Mutex<W>,
    pictures: PathBuf,
}

impl<W: Write + Send> ConsoleOutlet<W> {
    /// `pictures`: where graph pictures are saved (beside the database).
    pub fn new(out: W, pictures: PathBuf) -> Self {
        Self {
            out: Mutex::new(out),
            pictures,
        }
    }

    /// Saves `picture` as `NAME.svg` and `NAME.png`; the line that says where,
    /// or why it could not.
    fn save(&self, picture: &Picture) -> String {
        let svg = self.pictures.join(format!("{}.svg", picture.name));
        let png = self.pictures.join(format!("{}.png", picture.name));
        let saved = crate::picture::png_from_svg(&picture.svg)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| {
                std::fs::write(&svg, &picture.svg)?;
                std::fs::write(&png, bytes.bytes)?;
                Ok(())
            });
        match saved {
            Ok(()) => format!("Picture: {} and {}", svg.display(), png.display()),
            Err(e) => {
                tracing::warn!(error = %error_chain(e.as_ref()), "saving a picture failed");
                format!(
                    "(The picture could not be saved in {}.)",
                    self.pictures.display()
                )
            }
        }
    }
}

/// `>>> DM @bob`, `>>> #general`, `>>> #general thread T-4`.
fn header(destination: &Destination) -> String {
    match destination {
        Destination::Dm(person) => format!(">>> DM {}", person.handle()),
        Destination::Room { room, thread_task } => {
            let name = room.strip_prefix("console:").unwrap_or(room);
            // A task created in a DM has the DM as its home room.
            let name = match name.strip_prefix("dm:") {
                Some(person) => format!("DM {person}"),
                None => name.to_owned(),
            };
            match thread_task {
                Some(task) => format!(">>> {name} thread {task}"),
                None => format!(">>> {name}"),
            }
        }
    }
}

#[async_trait]
impl<W: Write + Send> Outlet for ConsoleOutlet<W> {
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        // The text first, as for every message; where its picture is, last.
        let mut body = message.body.trim_end().to_owned();
        if let Some(picture) = &message.picture {
            body.push('\n');
            body.push_str(&self.save(picture));
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let written =
            writeln!(out, "{}\n{body}\n", header(&message.destination)).and_then(|()| out.flush());
        match written {
            Ok(()) => Ok(Delivered {
                platform_message_id: message.card_for.map(|task| task.to_string()),
            }),
            Err(e) => Err(DeliveryError::Transient {
                reason: format!("could not write to the terminal: {e}"),
                retry_after: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::console::PLATFORM;
    use crate::domain::{PersonId, TaskKey};

    #[test]
    fn headers_follow_the_contract() {
        let dm = Destination::Dm(PersonId::new(PLATFORM, "@bob"));
        assert_eq!(header(&dm), ">>> DM @bob");
        let room = Destination::Room {
            room: "console:#general".into(),
            thread_task: None,
        };
        assert_eq!(header(&room), ">>> #general");
        let thread = Destination::Room {
            room: "console:#general".into(),
            thread_task: Some(TaskKey::new(4)),
        };
        assert_eq!(header(&thread), ">>> #general thread T-4");
    }
}
