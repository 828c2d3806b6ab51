//! The graph as a picture on Matrix: an `m.image` in the media repository,
//! encrypted in an encrypted room, that another member's client downloads and
//! decrypts.

use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::events::room::message::MessageType;
use resvg::tiny_skia::Pixmap;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_in_an_encrypted_room_sends_an_encrypted_image_a_member_can_open() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = rand_tag();
    let bot = register(&url, &secret, &format!("picbot{tag}")).await;
    let carol_id = register(&url, &secret, &format!("piccarol{tag}")).await;
    let bob_id = register(&url, &secret, &format!("picbob{tag}")).await;
    let (carol, bob) = (
        Human::login(&url, &carol_id).await,
        Human::login(&url, &bob_id).await,
    );
    let room = carol
        .encrypted_room("Pictures", false, &[(&bob_id, &bob)])
        .await;
    let room_id = room.room_id().to_owned();
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    room.invite_user_by_id(&bot).await.unwrap();
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "{}",
        service.log()
    );
    carol.sync().await;

    carol
        .say(&room_id, "!baton add Design the billing API")
        .await;
    carol
        .say(&room_id, "!baton add Implement billing client after T-1")
        .await;
    carol.say(&room_id, "!baton graph T-2").await;

    let said = wait_for_messages(&bob, &room_id, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.contains("Around T-2"))
    })
    .await;
    let shown = said
        .iter()
        .find(|m| m.sender == bot.as_str() && m.body.contains("Around T-2"))
        .unwrap_or_else(|| panic!("no picture: {said:#?}\n{}", service.log()));
    let event = bob.room(&room_id).event(&shown.id, None).await.unwrap();
    assert!(event.encryption_info().is_some(), "the event was encrypted");
    let value: Value = serde_json::from_str(event.raw().json().get()).unwrap();
    let content: RoomMessageEventContent =
        serde_json::from_value(value["content"].clone()).unwrap();
    let MessageType::Image(image) = content.msgtype else {
        panic!("not an image: {value}");
    };
    assert_eq!(image.filename.as_deref(), Some("graph-T-2.png"));
    assert!(
        image.body.contains("T-1"),
        "the caption is the text: {}",
        image.body
    );
    assert!(
        matches!(image.source, MediaSource::Encrypted(_)),
        "the file itself is encrypted: {:?}",
        image.source
    );
    let info = image.info.clone().expect("its size is given");

    let bytes = bob
        .client
        .media()
        .get_media_content(
            &MediaRequestParameters {
                source: image.source.clone(),
                format: MediaFormat::File,
            },
            false,
        )
        .await
        .expect("bob downloads and decrypts it");
    let picture = Pixmap::decode_png(&bytes).expect("a PNG");
    assert_eq!(Some(picture.width().into()), info.width);
    assert_eq!(Some(picture.height().into()), info.height);
    let _ = service.terminate();
}
