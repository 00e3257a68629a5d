//! The Admin SDK Directory API (`admin.directory_v1.json`): mobile devices, users, OUs,
//! domains and the customer. Results deserialise straight into the `model` types, which use
//! Google's field names. One file per resource, all methods on [`Directory`].
pub mod customers;
pub mod domains;
pub mod mobiledevices;
pub mod orgunits;
pub mod users;

use url::Url;

use super::client::Client;
use super::Error;

pub use customers::Customer;
pub use domains::Domain;
pub use mobiledevices::{DeviceListing, DEVICE_FIELDS};

#[derive(Clone)]
pub struct Directory {
    client: Client,
    root: Url,
    customer: String,
}

impl Directory {
    /// `root` is the API root URL (`https://admin.googleapis.com/` or a simulator's).
    pub fn new(client: Client, root: &str, customer_id: &str) -> Result<Directory, Error> {
        let root = Url::parse(root)
            .map_err(|e| Error::Invalid(format!("directory endpoint `{root}`: {e}")))?;
        Ok(Directory {
            client,
            root,
            customer: customer_id.to_string(),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn customer_id(&self) -> &str {
        &self.customer
    }

    /// `root/admin/directory/v1/<segments…>`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut u = self.root.clone();
        {
            let mut p = u.path_segments_mut().expect("http(s) URLs have paths");
            p.pop_if_empty()
                .extend(["admin", "directory", "v1"])
                .extend(segments);
        }
        u
    }
}
