//! Device actions as a kind of change: which devices are already in the wanted state, the
//! exact Directory API request, the GAM equivalent, and how to tell from a device read
//! back after a crash whether the action was applied.
use crate::model::{Device, DeviceAction, DeviceStatus};

use super::plan::{Request, Target};

/// The statuses Google reports once `action` is applied (`None` for delete: the device is
/// gone). Wipes report the in-progress status first, then the finished one.
pub fn statuses_after(action: DeviceAction) -> Option<&'static [DeviceStatus]> {
    use DeviceStatus as S;
    Some(match action {
        DeviceAction::Approve | DeviceAction::CancelRemoteWipeThenActivate => &[S::Approved],
        DeviceAction::Block | DeviceAction::CancelRemoteWipeThenBlock => &[S::Blocked],
        DeviceAction::AdminAccountWipe => &[S::AccountWiping, S::AccountWiped],
        DeviceAction::AdminRemoteWipe => &[S::Wiping, S::Wiped],
        DeviceAction::Delete => return None,
    })
}

/// Why `d` needs no request for `action`, or `None` when it does.
pub fn noop(action: DeviceAction, d: &Device) -> Option<String> {
    let after = statuses_after(action)?;
    after
        .contains(&d.status)
        .then(|| format!("already {}", d.status))
}

/// The status Google shows once `action` is applied, for the table after a success.
pub fn status_after(action: DeviceAction) -> Option<DeviceStatus> {
    statuses_after(action).map(|s| s[0].clone())
}

/// The request `google::Directory::mobiledevice_action` sends for this action.
pub fn request(customer_id: &str, action: DeviceAction, resource_id: &str) -> Request {
    let base = format!("admin/directory/v1/customer/{customer_id}/devices/mobile/{resource_id}");
    match action.api_value() {
        Some(value) => Request {
            method: "POST".into(),
            path: format!("{base}/action"),
            body: Some(serde_json::json!({ "action": value })),
        },
        None => Request {
            method: "DELETE".into(),
            path: base,
            body: None,
        },
    }
}

pub fn target(customer_id: &str, action: DeviceAction, d: &Device) -> Target {
    Target {
        resource_id: d.resource_id.clone(),
        owner: d.owner().map(str::to_string),
        org_unit: d.org_unit_path.as_deref().map(str::to_string),
        before: d.status.as_str().to_string(),
        about: format!("{}  {}", d.display_model(), d.device_type),
        request: request(customer_id, action, &d.resource_id),
        gam: action.gam_command(&d.resource_id),
    }
}

/// What the admin must read before confirming `action` on devices, `sync` of which are
/// Google Sync devices.
pub fn warnings(action: DeviceAction, sync: usize) -> Vec<String> {
    let mut w = Vec::new();
    if action == DeviceAction::Delete && sync > 0 {
        w.push(format!("{sync} of these are Google Sync devices: a deleted Google Sync device comes back at its next sync. Block stops it."));
    }
    if action.is_destructive() && action != DeviceAction::Delete {
        w.push("This removes data from the devices and cannot be undone.".into());
    }
    w
}

/// What a device read back after an interruption says about `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    Applied(String),
    NotApplied(String),
    /// The device no longer exists, so a non-delete action can never apply.
    Gone,
    /// Neither the before-state nor the wanted one: someone else changed it.
    Unclear(String),
}

/// Compares the device as Google shows it now (`None`: not found) with the plan.
pub fn read_back(action: DeviceAction, before: &str, now: Option<&Device>) -> ReadBack {
    match (statuses_after(action), now) {
        (None, None) => ReadBack::Applied("the device is gone".into()),
        (None, Some(_)) => ReadBack::NotApplied("the device still exists".into()),
        (Some(_), None) => ReadBack::Gone,
        (Some(after), Some(d)) if after.contains(&d.status) => {
            ReadBack::Applied(format!("status is {}", d.status))
        }
        (Some(_), Some(d)) if d.status.as_str() == before => {
            ReadBack::NotApplied(format!("status is still {}", d.status))
        }
        (Some(_), Some(d)) => ReadBack::Unclear(format!(
            "status is {}, neither {before} (before) nor what {} gives",
            d.status,
            action.label()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(status: DeviceStatus) -> Device {
        Device {
            resource_id: "AFi1".into(),
            status,
            ..Default::default()
        }
    }

    #[test]
    fn noops_and_read_back() {
        let blocked = device(DeviceStatus::Blocked);
        let approved = device(DeviceStatus::Approved);
        assert!(noop(DeviceAction::Block, &blocked).is_some());
        assert!(noop(DeviceAction::Block, &approved).is_none());
        assert!(noop(DeviceAction::Delete, &blocked).is_none());
        let b = DeviceAction::Block;
        assert!(matches!(
            read_back(b, "APPROVED", Some(&blocked)),
            ReadBack::Applied(_)
        ));
        assert!(matches!(
            read_back(b, "APPROVED", Some(&approved)),
            ReadBack::NotApplied(_)
        ));
        assert!(matches!(
            read_back(b, "PENDING", Some(&approved)),
            ReadBack::Unclear(_)
        ));
        assert_eq!(read_back(b, "APPROVED", None), ReadBack::Gone);
        assert!(matches!(
            read_back(DeviceAction::Delete, "APPROVED", None),
            ReadBack::Applied(_)
        ));
    }

    #[test]
    fn requests_match_the_directory_api() {
        let r = request("C1", DeviceAction::AdminAccountWipe, "R1");
        assert_eq!(
            r.line(),
            "POST admin/directory/v1/customer/C1/devices/mobile/R1/action"
        );
        assert_eq!(r.body.unwrap()["action"], "admin_account_wipe");
        let r = request("C1", DeviceAction::Delete, "R1");
        assert_eq!(
            r.line(),
            "DELETE admin/directory/v1/customer/C1/devices/mobile/R1"
        );
    }
}
