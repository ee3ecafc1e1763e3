//! Admin API listings: workspaces, API keys and users (`GET /v1/organizations/{workspaces,api_keys,users}`).
//!
//! They turn ids into names, and an API key into the person who created it.

use serde::Deserialize;
use spendlens_model::{DirectoryEntry, DirectoryKind};

use crate::wire::{mark, non_empty, parse_page};
use crate::{IngestError, Pages};

#[derive(Debug, Deserialize)]
struct Creator {
    id: String,
    /// `user` or `service_account`: only a user is a person to attribute a key to.
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// Where an API key belongs in the current API shape (`scope.workspace_id`).
#[derive(Debug, Default, Deserialize)]
struct Scope {
    #[serde(default)]
    workspace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Item {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    workspace_id: Option<String>,
    #[serde(default)]
    created_by: Option<Creator>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    archived_at: Option<String>,
}

/// Reads one page of any of the three listings; the item `type` says which.
pub fn read_page(file: &str, bytes: &[u8]) -> Result<Pages<DirectoryEntry>, IngestError> {
    let page = parse_page::<Item>(file, bytes)?;
    let mut mark = mark(file, &page);
    // A listing page holds one kind of item: its continuation is another page of that kind.
    mark.of = page.data.first().map(|item| item.kind.clone()).unwrap_or_default();
    let mut pages = Pages { marks: vec![mark], ..Pages::default() };
    for (index, item) in page.data.into_iter().enumerate() {
        let kind = DirectoryKind::parse(&item.kind).ok_or_else(|| {
            IngestError::at_path(file, format!("data[{index}].type"), format!("{:?} is not workspace, api_key or user", item.kind))
        })?;
        let status = non_empty(item.status).or_else(|| item.archived_at.filter(|at| !at.is_empty()).map(|_| "archived".to_string()));
        pages.lines.push(DirectoryEntry {
            kind,
            id: item.id,
            name: non_empty(item.name),
            email: non_empty(item.email).map(|email| email.to_ascii_lowercase()),
            workspace_id: non_empty(item.workspace_id).or_else(|| item.scope.and_then(|scope| non_empty(scope.workspace_id))),
            created_by: item
                .created_by
                .filter(|creator| creator.kind.as_deref().is_none_or(|kind| kind == "user"))
                .map(|creator| creator.id),
            status,
        });
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_users_and_workspaces() {
        let keys = r#"{"data":[{"id":"apikey_01","type":"api_key","name":"claude-code-ana","workspace_id":"wrkspc_01",
            "created_at":"2026-01-01T00:00:00Z","created_by":{"id":"user_01","type":"user"},"partial_key_hint":"sk-ant-api03-R2D...igAA","status":"active"}],
            "has_more":false,"first_id":"apikey_01","last_id":"apikey_01"}"#;
        let entry = &read_page("api_keys.json", keys.as_bytes()).unwrap().lines[0];
        assert_eq!(entry.kind, DirectoryKind::ApiKey);
        assert_eq!(entry.created_by.as_deref(), Some("user_01"));
        let users = r#"{"data":[{"id":"user_01","type":"user","email":"Ana@Acme.example","name":"Ana","role":"user","added_at":"x"}],"has_more":false}"#;
        assert_eq!(read_page("users.json", users.as_bytes()).unwrap().lines[0].email.as_deref(), Some("ana@acme.example"));
        let spaces =
            r#"{"data":[{"id":"wrkspc_01","type":"workspace","name":"Support","archived_at":"2026-02-01T00:00:00Z"}],"has_more":false}"#;
        assert_eq!(read_page("w.json", spaces.as_bytes()).unwrap().lines[0].status.as_deref(), Some("archived"));
        let error = read_page("w.json", br#"{"data":[{"id":"x","type":"robot"}]}"#).unwrap_err().to_string();
        assert_eq!(error, "w.json: field data[0].type: \"robot\" is not workspace, api_key or user");
    }
}
