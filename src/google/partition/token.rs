//! Which spelling of the Google Sync type the tenant's search accepts. Google documents
//! neither (`type:googlesync` per GAM, `type:google_sync` as plausible), and a server may
//! answer the other with a 400 or, worse, an empty result: a query built on the wrong
//! spelling would silently list no Google Sync device. So a spelling is used only once it is
//! proven: its probe returns Google Sync devices and nothing else. With none proven, the
//! caller drops the type from the query and filters a full listing client-side.
use crate::google::directory::{DeviceListing, Directory};
use crate::google::Error;
use crate::model::DeviceType;

/// The spellings tried, in order.
pub const CANDIDATES: [&str; 2] = ["googlesync", "google_sync"];

/// What one probe showed, for `offsync check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Returned Google Sync devices only.
    Accepted,
    /// Answered 400.
    Refused,
    /// Returned nothing: no Google Sync device, or the spelling means nothing here.
    Empty,
    /// Returned other types: the server ignored or misread the spelling.
    Misread,
}

/// Probes every candidate (20 devices each) and returns the verdicts, in order.
pub async fn probe(dir: &Directory) -> Result<Vec<(&'static str, Verdict)>, Error> {
    let mut out = Vec::new();
    for c in CANDIDATES {
        out.push((c, verdict(dir, c).await?));
    }
    Ok(out)
}

/// Probes one spelling: the first 20 devices `type:{token}` returns.
pub async fn verdict(dir: &Directory, token: &str) -> Result<Verdict, Error> {
    let l = DeviceListing {
        query: Some(format!("type:{token}")),
        max_results: 20,
        ..Default::default()
    };
    Ok(match dir.mobiledevices_page(&l, None).await {
        Ok(p) if p.items.is_empty() => Verdict::Empty,
        Ok(p)
            if p.items
                .iter()
                .all(|d| d.device_type == DeviceType::GoogleSync) =>
        {
            Verdict::Accepted
        }
        Ok(_) => Verdict::Misread,
        Err(Error::Api { status: 400, .. }) => Verdict::Refused,
        Err(e) => return Err(e),
    })
}

/// The first accepted spelling among `verdicts`, if any.
pub fn first_accepted(verdicts: &[(&'static str, Verdict)]) -> Option<&'static str> {
    verdicts
        .iter()
        .find(|(_, v)| *v == Verdict::Accepted)
        .map(|(c, _)| *c)
}
