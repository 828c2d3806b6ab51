//! The files operators deploy from must agree with the code: the Slack app
//! manifest asks for what the adapter uses.

use serde_yaml::Value;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_slack_manifest_asks_for_what_the_adapter_uses() {
    let manifest = load("manifests/slack-app.yaml");
    let features = &manifest["features"];
    let command = &features["slash_commands"][0];
    assert_eq!(command["command"].as_str(), Some("/baton"));
    assert_eq!(
        command["should_escape"].as_bool(),
        Some(true),
        "mentions must arrive as user ids"
    );
    assert_eq!(
        features["app_home"]["home_tab_enabled"].as_bool(),
        Some(true)
    );

    let scopes = strings(&manifest["oauth_config"]["scopes"]["bot"]);
    for (scope, why) in [
        ("commands", "/baton"),
        ("app_mentions:read", "app_mention events"),
        ("chat:write", "chat.postMessage"),
        ("im:write", "conversations.open for handoff DMs"),
        ("users:read", "users.info"),
        ("reactions:read", "reaction_added"),
        ("channels:history", "thread replies and resend checks"),
        ("groups:history", "private channels"),
        ("im:history", "DMs to the bot"),
        ("channels:read", "conversations.info"),
        ("groups:read", "conversations.members of private channels"),
        ("files:write", "sharing the graph picture"),
    ] {
        assert!(
            scopes.contains(&scope.to_owned()),
            "{scope} ({why}) is missing"
        );
    }

    let settings = &manifest["settings"];
    let events = strings(&settings["event_subscriptions"]["bot_events"]);
    for event in [
        "app_mention",
        "app_home_opened",
        "message.channels",
        "message.groups",
        "message.im",
        "reaction_added",
        "member_joined_channel",
        "member_left_channel",
    ] {
        assert!(
            events.contains(&event.to_owned()),
            "{event} is not subscribed"
        );
    }
    assert_eq!(
        settings["interactivity"]["is_enabled"].as_bool(),
        Some(true)
    );
    assert_eq!(settings["socket_mode_enabled"].as_bool(), Some(true));
}

/// Every YAML document in `manifests/` and its subfolders, with its file.
fn all_documents() -> Vec<(String, Value)> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("manifests"), &mut files);
    files.push(root.join("docker/compose.yml"));
    let mut documents = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root).unwrap().display().to_string();
        for document in serde_yaml::Deserializer::from_str(&text) {
            let value = Value::deserialize(document)
                .unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
            documents.push((name.clone(), value));
        }
    }
    documents
}

use serde::Deserialize;

fn kind<'a>(documents: &'a [(String, Value)], kind: &str) -> &'a Value {
    &documents
        .iter()
        .find(|(_, d)| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} in manifests/"))
        .1
}

#[test]
fn the_kubernetes_manifests_agree_with_the_code() {
    let documents = all_documents();
    assert!(documents.len() >= 6, "{} documents", documents.len());

    // Every variable they set is one Baton knows, and a valid value.
    let mut env: Vec<(String, String)> = Vec::new();
    for kind_name in ["ConfigMap", "Secret"] {
        let document = kind(&documents, kind_name);
        let data = document["data"]
            .as_mapping()
            .or(document["stringData"].as_mapping())
            .unwrap();
        for (key, value) in data {
            let key = key.as_str().unwrap().to_owned();
            assert!(key.starts_with("BATON_"), "{kind_name} sets {key}");
            env.push((key, value.as_str().unwrap_or_default().to_owned()));
        }
    }
    let loaded = baton::settings::load(None, env.clone()).expect("the settings load");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    loaded.settings.defaults().expect("valid defaults");

    // The container listens where the probes, the Service and Prometheus look.
    let listen = &env
        .iter()
        .find(|(k, _)| k == "BATON_HTTP__LISTEN")
        .unwrap()
        .1;
    let port: u64 = listen.rsplit(':').next().unwrap().parse().unwrap();
    let deployment = kind(&documents, "Deployment");
    let pod = &deployment["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["containerPort"].as_u64(), Some(port));
    assert_eq!(container["ports"][0]["name"].as_str(), Some("http"));
    assert_eq!(
        container["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/healthz")
    );
    assert_eq!(
        container["readinessProbe"]["httpGet"]["path"].as_str(),
        Some("/readyz")
    );
    assert_eq!(
        pod["metadata"]["annotations"]["prometheus.io/port"].as_str(),
        Some(port.to_string().as_str())
    );
    let service = kind(&documents, "Service");
    assert_eq!(
        service["spec"]["ports"][0]["targetPort"].as_str(),
        Some("http")
    );
    assert!(deployment["spec"]["replicas"].as_u64() >= Some(2));
    assert_eq!(
        pod["spec"]["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true)
    );
    // The kubelet waits for the outbox's grace period (and the preStop delay).
    let grace: u64 = env
        .iter()
        .find(|(k, _)| k == "BATON_SHUTDOWN_GRACE")
        .map(|(_, v)| v.trim_end_matches('s').parse().unwrap())
        .unwrap();
    let termination = pod["spec"]["terminationGracePeriodSeconds"]
        .as_u64()
        .unwrap();
    assert!(
        termination > grace + 5,
        "{termination} s is too short for {grace} s"
    );
    kind(&documents, "PodDisruptionBudget");
}

#[test]
fn docker_files_set_only_known_variables() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // `BATON_X=value` (Dockerfile) or `BATON_X: value` (compose).
    let pattern = regex::Regex::new(r#"(BATON_[A-Z_]+)\s*[=:]\s*"?([^"\s\\]*)"#).unwrap();
    for file in ["docker/Dockerfile", "docker/compose.yml"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let env: Vec<(String, String)> = pattern
            .captures_iter(&text)
            .map(|c| (c[1].to_owned(), c[2].to_owned()))
            .collect();
        assert!(!env.is_empty(), "{file} sets no BATON_ variable");
        let loaded = baton::settings::load(None, env).expect("the settings load");
        assert!(loaded.warnings.is_empty(), "{file}: {:?}", loaded.warnings);
    }
}

/// Every file the code builds in from outside `src/` (`include_bytes!`, the
/// bundled font) is copied into the image's build stage before the sources.
#[test]
fn the_dockerfile_copies_what_the_build_includes() {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("docker/Dockerfile")).unwrap();
    let mut sources = Vec::new();
    walk(&root.join("src"), &mut sources);
    let mut included = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        for (at, _) in text.match_indices("include_bytes!(\"") {
            let rest = &text[at + "include_bytes!(\"".len()..];
            let relative = &rest[..rest.find('"').unwrap()];
            let file = source.parent().unwrap().join(relative);
            let file = file
                .canonicalize()
                .unwrap_or_else(|_| panic!("{relative} is missing"));
            let top = file.strip_prefix(root.canonicalize().unwrap()).unwrap();
            let top = top
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .into_owned();
            included.push(top);
        }
    }
    assert!(included.contains(&"assets".to_owned()), "{included:?}");
    for top in included.iter().filter(|t| *t != "src") {
        assert!(
            dockerfile
                .lines()
                .any(|l| l.trim() == format!("COPY {top} {top}")),
            "docker/Dockerfile does not copy {top}/, which the build includes"
        );
    }
}
