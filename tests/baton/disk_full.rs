//! SQLite on a disk that fills up and is freed again, under a real `baton run`:
//! commands fail fast with a 5xx (so Slack delivers them again), `/readyz` says
//! 503 while writes fail, and everything works again once there is space,
//! without a restart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::helpers::TestDb;
use crate::slack::{post_command, start};
use crate::slack_fake::{self, FakeSlack};

const CAROL: &str = "U0CAROL";
const ROOM: &str = "C0DISK";

/// A tiny filesystem of its own (tmpfs), unmounted when dropped.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    /// `None` when this machine cannot mount one (not root): the test is then
    /// skipped, except under CI, where it must run.
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must be able to mount a tmpfs (run as root)"
            );
            eprintln!("skipped: cannot mount a tmpfs here");
            return None;
        }
        Some(TinyDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with one file; its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

async fn add(service: &crate::helpers::Service, title: &str) -> (u16, Duration) {
    let fields = slack_fake::command(CAROL, ROOM, &format!("add {title}"), title);
    let started = Instant::now();
    let response = post_command(service, &fields).await;
    (response.status().as_u16(), started.elapsed())
}

fn readiness(service: &crate::helpers::Service) -> String {
    service.get("/readyz").unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_commands_fast_and_they_work_again_once_it_is_freed() {
    let Some(disk) = TinyDisk::mount("4m") else {
        return;
    };
    let url = format!("sqlite://{}", disk.path().join("baton.db").display());
    let db = TestDb::sqlite_at(&url).await;
    let fake = FakeSlack::start(&[(CAROL, "carol")]).await;
    let service = start(&db, &fake, false).await;
    assert_eq!(add(&service, "Before the disk fills").await.0, 200);

    let filler = disk.fill();
    let mut refused = None;
    for n in 0..200 {
        let (status, took) = add(&service, &format!("While full {n} {}", "x".repeat(250))).await;
        if status >= 500 {
            refused = Some(took);
            break;
        }
    }
    let took = refused.unwrap_or_else(|| panic!("no command failed:\n{}", service.log()));
    assert!(took < Duration::from_secs(3), "the 5xx took {took:?}");
    let unready = service.wait_for("/readyz", "HTTP/1.1 503", Duration::from_secs(5));
    assert!(unready, "{}", readiness(&service));
    assert!(readiness(&service).contains("disk is full"));

    std::fs::remove_file(filler).unwrap();
    let ready = service.wait_for("/readyz", "HTTP/1.1 200", Duration::from_secs(15));
    assert!(ready, "{}\n{}", readiness(&service), service.log());
    assert_eq!(
        add(&service, "After the disk is freed").await.0,
        200,
        "{}",
        service.log()
    );
    assert!(
        fake.wait_until(Duration::from_secs(30), |f| f
            .posted()
            .iter()
            .any(|p| p.text.contains("After the disk is freed")))
            .await,
        "{}",
        service.log()
    );
}
