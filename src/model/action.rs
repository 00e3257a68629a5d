//! Device actions the Directory API offers (`mobiledevices.action` and `delete`), with the
//! equivalent GAM command that the journal and the Log pane show for every change.
use std::fmt;

/// One change to mobile devices. `Delete` is offered but discouraged for Google Sync:
/// a deleted Google Sync device reappears at its next sync; `Block` stops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceAction {
    Approve,
    Block,
    AdminAccountWipe,
    AdminRemoteWipe,
    CancelRemoteWipeThenActivate,
    CancelRemoteWipeThenBlock,
    Delete,
}

impl DeviceAction {
    /// The `action` value for `mobiledevices.action`; `None` for delete (its own method).
    pub fn api_value(self) -> Option<&'static str> {
        Some(match self {
            DeviceAction::Approve => "approve",
            DeviceAction::Block => "block",
            DeviceAction::AdminAccountWipe => "admin_account_wipe",
            DeviceAction::AdminRemoteWipe => "admin_remote_wipe",
            DeviceAction::CancelRemoteWipeThenActivate => "cancel_remote_wipe_then_activate",
            DeviceAction::CancelRemoteWipeThenBlock => "cancel_remote_wipe_then_block",
            DeviceAction::Delete => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            DeviceAction::Approve => "approve",
            DeviceAction::Block => "block",
            DeviceAction::AdminAccountWipe => "account wipe",
            DeviceAction::AdminRemoteWipe => "remote wipe (factory reset)",
            DeviceAction::CancelRemoteWipeThenActivate => "cancel wipe, then activate",
            DeviceAction::CancelRemoteWipeThenBlock => "cancel wipe, then block",
            DeviceAction::Delete => "delete",
        }
    }

    /// Wipes destroy data and cannot be undone.
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            DeviceAction::AdminAccountWipe | DeviceAction::AdminRemoteWipe | DeviceAction::Delete
        )
    }

    /// The GAM command that does the same to one device (GAM7 syntax).
    pub fn gam_command(self, resource_id: &str) -> String {
        match self {
            DeviceAction::Delete => format!("gam delete mobile {resource_id}"),
            DeviceAction::AdminAccountWipe => {
                format!("gam update mobile {resource_id} action accountwipe")
            }
            DeviceAction::AdminRemoteWipe => format!("gam update mobile {resource_id} action wipe"),
            other => format!(
                "gam update mobile {resource_id} action {}",
                other.api_value().unwrap_or_default()
            ),
        }
    }
}

impl fmt::Display for DeviceAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceAction;

    #[test]
    fn gam_commands() {
        assert_eq!(
            DeviceAction::Block.gam_command("AFi"),
            "gam update mobile AFi action block"
        );
        assert_eq!(
            DeviceAction::AdminAccountWipe.gam_command("AFi"),
            "gam update mobile AFi action accountwipe"
        );
        assert_eq!(
            DeviceAction::Delete.gam_command("AFi"),
            "gam delete mobile AFi"
        );
    }
}
