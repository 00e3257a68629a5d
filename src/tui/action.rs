//! What a key press means, as a value. The keymap turns keys into [`Action`]s and
//! [`super::state::State::on_input`] turns actions into state changes and tasks; nothing
//! here knows about key codes or drawing. The serde names are what `keymap.toml` spells.
use serde::{Deserialize, Serialize};

use crate::model::DeviceAction;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    Refresh,
    /// Open the `:` command line.
    Command,
    /// Open the `/` incremental filter.
    Filter,
    NextPane,
    PrevPane,
    PaneInventory,
    PaneChecklist,
    PaneFeed,
    PaneLog,
    PaneAndroid,
    /// Android pane: edit the selected policy's account setup and enforcement rule.
    EditPolicy,
    /// An edit form: toggle the choice under the cursor.
    ToggleField,
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    /// Move focus to the OU tree (h) or the device table (l).
    FocusLeft,
    FocusRight,
    /// Tree: expand/collapse the OU; table: open the device detail.
    Open,
    ToggleCollapse,
    /// Cycle the device-type filter: Google Sync, all, iOS, Android.
    CycleType,
    CycleSort,
    ReverseSort,
    ToggleSelect,
    SelectAll,
    ClearSelection,
    Block,
    Approve,
    AccountWipe,
    Delete,
    /// Confirm dialog: accept / switch the pending delete to a block.
    Confirm,
    OfferBlock,
    /// Confirm dialog with a typed reason: the next skip / override kind.
    CycleKind,
    /// Checklist pane: its views.
    ViewSteps,
    ViewWaves,
    ViewUsers,
    /// Checklist pane: the selected OU's Google Sync devices in the Inventory pane.
    ShowDevices,
    /// Checklist step actions on the selected step at the selected OU.
    PlanStep,
    ApplyStep,
    AttestStep,
    VerifyStep,
    RetryStep,
    SkipStep,
    /// Waves view: start the wave under the cursor / override the guard under the cursor.
    StartWave,
    OverrideGuard,
    /// Users view: mark the selected users reminded / acknowledged as left behind.
    MarkReminded,
    Acknowledge,
    /// Users view: the `:export` line for the left-behind list, as CSV or JSON.
    ExportUsersCsv,
    ExportUsersJson,
    /// Feed: hold new events / show them again.
    Pause,
    /// Feed: only the OU of the event under the cursor (again: every OU).
    FilterOu,
    /// Feed: every source, then each in turn.
    CycleSource,
    /// Feed: all, notice and above, warning and above, alerts only.
    CycleSeverity,
    ClearFilters,
    /// Feed: the event's device in the Inventory pane.
    JumpDevice,
    /// Feed: the event's OU in the Checklist pane (or the Inventory filtered to it).
    JumpOu,
    /// Feed: the burndown over the whole pane, or back.
    ToggleChart,
}

impl Action {
    /// The device change an action asks for, if it is one.
    pub fn device_action(self) -> Option<DeviceAction> {
        Some(match self {
            Action::Block => DeviceAction::Block,
            Action::Approve => DeviceAction::Approve,
            Action::AccountWipe => DeviceAction::AdminAccountWipe,
            Action::Delete => DeviceAction::Delete,
            _ => return None,
        })
    }
}
