//! Google's discovery documents, embedded from `assets/discovery`. They are the simulator's
//! source of truth twice over: each method's accepted OAuth scopes come from here (any one
//! suffices, as with Google), and they are served back with `rootUrl` pointing at the simulator.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// (api name, version, document).
const DOCS: &[(&str, &str, &str)] = &[
    (
        "admin",
        "directory_v1",
        include_str!("../../assets/discovery/admin.directory_v1.json"),
    ),
    (
        "admin",
        "reports_v1",
        include_str!("../../assets/discovery/admin.reports_v1.json"),
    ),
    (
        "cloudidentity",
        "v1",
        include_str!("../../assets/discovery/cloudidentity.v1.json"),
    ),
    (
        "cloudidentity",
        "v1beta1",
        include_str!("../../assets/discovery/cloudidentity.v1beta1.json"),
    ),
    (
        "gmail",
        "v1",
        include_str!("../../assets/discovery/gmail.v1.json"),
    ),
    (
        "androidmanagement",
        "v1",
        include_str!("../../assets/discovery/androidmanagement.v1.json"),
    ),
];

struct Parsed {
    docs: Vec<Value>,
    scopes: HashMap<String, Vec<String>>,
    /// (HTTP method, URL path with every `{param}` written `{}`) → (doc index, response schema).
    responses: HashMap<(String, String), (usize, String)>,
}

fn parsed() -> &'static Parsed {
    static P: OnceLock<Parsed> = OnceLock::new();
    P.get_or_init(|| {
        let docs: Vec<Value> = DOCS
            .iter()
            .map(|(_, _, text)| serde_json::from_str(text).expect("embedded discovery JSON"))
            .collect();
        let mut scopes = HashMap::new();
        let mut responses = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            collect_scopes(doc, &mut scopes);
            let service_path = format!("/{}", doc["servicePath"].as_str().unwrap_or_default());
            collect_responses(doc, i, &service_path, &mut responses);
        }
        Parsed {
            docs,
            scopes,
            responses,
        }
    })
}

fn collect_scopes(resource: &Value, out: &mut HashMap<String, Vec<String>>) {
    if let Some(methods) = resource["methods"].as_object() {
        for m in methods.values() {
            let id = m["id"].as_str().unwrap_or_default().to_string();
            let list = m["scopes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            out.insert(id, list);
        }
    }
    if let Some(resources) = resource["resources"].as_object() {
        for r in resources.values() {
            collect_scopes(r, out);
        }
    }
}

fn collect_responses(
    resource: &Value,
    doc: usize,
    service_path: &str,
    out: &mut HashMap<(String, String), (usize, String)>,
) {
    for m in resource["methods"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, m)| m)
    {
        // `flatPath` spells out what `path` may hide in one `{+name}`.
        let path = m["flatPath"]
            .as_str()
            .or(m["path"].as_str())
            .unwrap_or_default();
        if let (Some(verb), Some(schema)) =
            (m["httpMethod"].as_str(), m["response"]["$ref"].as_str())
        {
            let key = (verb.to_string(), template(&format!("{service_path}{path}")));
            out.insert(key, (doc, schema.to_string()));
        }
    }
    for r in resource["resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, r)| r)
    {
        collect_responses(r, doc, service_path, out);
    }
}

/// A URL template with its parameter names dropped: `/a/{x}/b` → `/a/{}/b`.
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The discovery document and response schema of the method served at `route` (the router's
/// path template) for `http_method`.
pub fn response_schema(http_method: &str, route: &str) -> Option<(&'static Value, &'static Value)> {
    let p = parsed();
    let (doc, name) = p
        .responses
        .get(&(http_method.to_string(), template(route)))?;
    let doc = &p.docs[*doc];
    Some((doc, doc["schemas"].get(name)?))
}

/// The scopes that let a token call the method `id` (e.g. `directory.mobiledevices.list`).
pub fn method_scopes(id: &str) -> &'static [String] {
    parsed().scopes.get(id).map(Vec::as_slice).unwrap_or(&[])
}

/// Every scope any served method accepts: the default domain-wide delegation grant.
pub fn all_scopes() -> Vec<String> {
    let mut all: Vec<String> = parsed().scopes.values().flatten().cloned().collect();
    all.sort();
    all.dedup();
    all
}

/// A schema of one API (`api` = "androidmanagement", …).
pub fn schema(api: &str, version: &str, name: &str) -> Option<&'static Value> {
    let i = DOCS
        .iter()
        .position(|(a, v, _)| *a == api && *v == version)?;
    parsed().docs[i]["schemas"].get(name)
}

/// The document for `api`/`version` with its URLs rewritten to `root` (ending in `/`).
pub fn document(api: &str, version: &str, root: &str) -> Option<Value> {
    let i = DOCS
        .iter()
        .position(|(a, v, _)| *a == api && *v == version)?;
    let mut doc = parsed().docs[i].clone();
    let service_path = doc["servicePath"].as_str().unwrap_or_default().to_string();
    doc["rootUrl"] = Value::String(root.to_string());
    doc["mtlsRootUrl"] = Value::String(root.to_string());
    doc["baseUrl"] = Value::String(format!("{root}{service_path}"));
    Some(doc)
}
